/** NOOP (RFC 5804 2.13, with its optional tag echoed as TAG), LOGOUT (2.3) and UNAUTHENTICATE (2.14). */
import { SieveError } from '../error-map.js';
import { ANY_STATE, AUTHENTICATED } from '../session/state.js';
import { noArguments } from './arguments.js';
import { defineCommand } from './types.js';

export const noopCommand = defineCommand({
  name: 'NOOP',
  states: ANY_STATE,
  parse(tokens): Buffer | null {
    if (tokens.length === 0) return null;
    if (tokens.length > 1) throw new SieveError(null, 'Too many arguments');
    const tag = tokens[0]!;
    if (tag.kind !== 'string') throw new SieveError(null, 'Expected a string');
    return tag.value;
  },
  handle(ctx, tag) {
    ctx.out.response('OK', tag === null ? null : { code: 'TAG', value: tag }, 'Done');
  },
});

export const logoutCommand = defineCommand({
  name: 'LOGOUT',
  states: ANY_STATE,
  parse: noArguments,
  handle(ctx) {
    ctx.out.response('OK');
    ctx.closeAfterReply('logout');
  },
});

export const unauthenticateCommand = defineCommand({
  name: 'UNAUTHENTICATE',
  states: AUTHENTICATED,
  parse: noArguments,
  handle(ctx) {
    ctx.loggedOut();
    ctx.out.response('OK');
  },
});
