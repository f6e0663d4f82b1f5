/** DELE, RSET and NOOP (RFC 1939 section 5): marks that take effect only in UPDATE. */
import { TRANSACTION } from '../session/state.js';
import { noArgument, requiredMessageNumber } from './arguments.js';
import { defineCommand } from './types.js';

export const deleCommand = defineCommand({
  name: 'DELE',
  states: TRANSACTION,
  parse: requiredMessageNumber,
  handle(ctx, msgno) {
    const maildrop = ctx.maildrop();
    maildrop.markDeleted(maildrop.index(msgno));
    ctx.out.line('+OK message deleted');
  },
});

export const rsetCommand = defineCommand({
  name: 'RSET',
  states: TRANSACTION,
  parse: noArgument,
  handle(ctx) {
    ctx.maildrop().reset();
    ctx.out.line('+OK');
  },
});

export const noopCommand = defineCommand({
  name: 'NOOP',
  states: TRANSACTION,
  parse: noArgument,
  handle(ctx) {
    ctx.out.line('+OK');
  },
});
