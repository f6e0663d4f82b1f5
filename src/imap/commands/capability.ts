import { ANY_STATE } from '../session/state.js';
import { capabilityResponse } from '../wire/serialize/lists.js';
import { always, defineCommand } from './types.js';

export const capabilityCommand = defineCommand({
  name: 'CAPABILITY',
  states: ANY_STATE,
  allowsExpunge: always,
  async handle(ctx) {
    ctx.out.send(capabilityResponse(ctx.capabilities()));
  },
});
