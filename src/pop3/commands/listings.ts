/** STAT, LIST and UIDL (RFC 1939 section 5, 7): sizes and unique-ids from the login's snapshot. */
import { TRANSACTION } from '../session/state.js';
import { noArgument, optionalMessageNumber } from './arguments.js';
import { defineCommand } from './types.js';

export const statCommand = defineCommand({
  name: 'STAT',
  states: TRANSACTION,
  parse: noArgument,
  handle(ctx) {
    const { messages, octets } = ctx.maildrop().stat();
    ctx.out.line(`+OK ${messages} ${octets}`);
  },
});

export const listCommand = defineCommand({
  name: 'LIST',
  states: TRANSACTION,
  parse: optionalMessageNumber,
  async handle(ctx, msgno) {
    const maildrop = ctx.maildrop();
    if (msgno !== null) {
      ctx.out.line(`+OK ${msgno} ${maildrop.size(maildrop.index(msgno))}`);
      return;
    }
    ctx.out.line('+OK scan listing follows');
    for (let i = 0; i < maildrop.count; i++) {
      if (maildrop.isDeleted(i)) continue;
      ctx.out.line(`${i + 1} ${maildrop.size(i)}`);
      await ctx.out.maybeFlush();
    }
    ctx.out.line('.');
  },
});

export const uidlCommand = defineCommand({
  name: 'UIDL',
  states: TRANSACTION,
  parse: optionalMessageNumber,
  async handle(ctx, msgno) {
    const maildrop = ctx.maildrop();
    if (msgno !== null) {
      ctx.out.line(`+OK ${msgno} ${maildrop.uidl(maildrop.index(msgno))}`);
      return;
    }
    ctx.out.line('+OK unique-id listing follows');
    for (let i = 0; i < maildrop.count; i++) {
      if (maildrop.isDeleted(i)) continue;
      ctx.out.line(`${i + 1} ${maildrop.uidl(i)}`);
      await ctx.out.maybeFlush();
    }
    ctx.out.line('.');
  },
});
