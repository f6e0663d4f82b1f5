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
 * UPDATE ["server" ...]: the whole list (or, with servers, the records on them: Cyrus's
 * PARTIAL-UPDATE), then `OK "streaming starts"`; every later change goes out with this tag. The
 * list is written and the stream begun in one turn, so no change falls between them.
 */
export const updateCommand: MupdateCommand = {
  name: 'UPDATE',
  states: ['authenticated'],
  minArgs: 0,
  maxArgs: Number.MAX_SAFE_INTEGER,
  handle(ctx, tag, servers) {
    const records = servers.length === 0 ? ctx.deps.list.all() : servers.flatMap((server) => ctx.deps.list.all(server));
    for (const record of records) ctx.write(eventLine(tag, record));
    ctx.startStream(tag, servers.length === 0 ? null : { servers: new Set(servers), names: new Set(records.map((r) => r.name)) });
    ctx.write(statusLine(tag, 'OK', 'streaming starts'));
  },
};
