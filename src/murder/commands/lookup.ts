/** FIND name, LIST [server] and UPDATE: the list read back, and the stream of its changes. */
import { eventLine, statusLine } from '../wire/writer.js';
import type { MupdateCommand } from './types.js';

export const findCommand: MupdateCommand = {
  name: 'FIND',
  states: ['authenticated'],
  minArgs: 1,
  maxArgs: 1,
  handle(ctx, tag, [name]) {
    const record = ctx.deps.list.find(name!);
    if (record) ctx.write(eventLine(tag, record));
    ctx.write(statusLine(tag, 'OK', 'Search completed'));
  },
};

export const listCommand: MupdateCommand = {
  name: 'LIST',
  states: ['authenticated'],
  minArgs: 0,
  maxArgs: 1,
  async handle(ctx, tag, [server]) {
    let n = 0;
    for (const record of ctx.deps.list.all(server)) {
      ctx.write(eventLine(tag, record));
      if (++n % 1000 === 0) await ctx.flush();
    }
    ctx.write(statusLine(tag, 'OK', 'list complete'));
  },
};

/**
 * UPDATE: the whole list, then `OK "streaming starts"`; every later change goes out with this
 * tag. The list is written and the stream begun in one turn, so no change falls between them.
 */
export const updateCommand: MupdateCommand = {
  name: 'UPDATE',
  states: ['authenticated'],
  minArgs: 0,
  maxArgs: 0,
  handle(ctx, tag) {
    for (const record of ctx.deps.list.all()) ctx.write(eventLine(tag, record));
    ctx.startStream(tag);
    ctx.write(statusLine(tag, 'OK', 'streaming starts'));
  },
};
