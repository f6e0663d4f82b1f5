import { ANY_STATE } from '../session/state.js';
import { untaggedStatus } from '../wire/serialize/response.js';
import { always, defineCommand } from './types.js';

export const logoutCommand = defineCommand({
  name: 'LOGOUT',
  states: ANY_STATE,
  allowsExpunge: always,
  async handle(ctx) {
    ctx.out.send(untaggedStatus('BYE', null, 'LOGOUT received'));
    ctx.logout();
  },
});
