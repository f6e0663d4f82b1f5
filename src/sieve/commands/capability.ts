/** CAPABILITY (RFC 5804 2.4): the capability list, then a bare OK (what Cyrus's client expects after the list). */
import { ANY_STATE } from '../session/state.js';
import { noArguments } from './arguments.js';
import { defineCommand } from './types.js';

export const capabilityCommand = defineCommand({
  name: 'CAPABILITY',
  states: ANY_STATE,
  parse: noArguments,
  handle(ctx) {
    for (const line of ctx.capabilities()) ctx.out.line(line);
    ctx.out.response('OK');
  },
});
