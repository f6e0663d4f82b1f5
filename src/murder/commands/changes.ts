/**
 * ACTIVATE name location acl, RESERVE name location, DELETE name: a backend's changes to the
 * Murder's list. Only a master takes them; a slave's list follows its master alone.
 */
import { MupdateRefusal } from '../list.js';
import { statusLine } from '../wire/writer.js';
import { MupdateAnswer, type CommandContext, type MupdateCommand } from './types.js';

function masterOnly(ctx: CommandContext): void {
  if (ctx.deps.mode !== 'master') throw new MupdateAnswer('NO', 'slave mupdate server: changes go to the master');
}

function refused(err: unknown): never {
  if (err instanceof MupdateRefusal) throw new MupdateAnswer('NO', err.message);
  throw err;
}

export const activateCommand: MupdateCommand = {
  name: 'ACTIVATE',
  states: ['authenticated'],
  minArgs: 3,
  maxArgs: 3,
  handle(ctx, tag, [name, location, acl]) {
    masterOnly(ctx);
    try {
      ctx.deps.list.activate(name!, location!, acl!);
    } catch (err) {
      refused(err);
    }
    ctx.write(statusLine(tag, 'OK', 'done'));
  },
};

export const reserveCommand: MupdateCommand = {
  name: 'RESERVE',
  states: ['authenticated'],
  minArgs: 2,
  maxArgs: 2,
  handle(ctx, tag, [name, location]) {
    masterOnly(ctx);
    try {
      ctx.deps.list.reserve(name!, location!);
    } catch (err) {
      refused(err);
    }
    ctx.write(statusLine(tag, 'OK', 'done'));
  },
};

/** A name that is not there is deleted already: OK (Cyrus 3.6 never answers that one). */
export const deleteCommand: MupdateCommand = {
  name: 'DELETE',
  states: ['authenticated'],
  minArgs: 1,
  maxArgs: 1,
  handle(ctx, tag, [name]) {
    masterOnly(ctx);
    ctx.deps.list.delete(name!);
    ctx.write(statusLine(tag, 'OK', 'done'));
  },
};
