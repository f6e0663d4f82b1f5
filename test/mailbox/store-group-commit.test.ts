/**
 * STORE as a group commit (Mailbox.setFlagsDurably): the commit does not fsync on the event loop;
 * the index WAL, and seen.db's when a user other than the owner changed \Seen, are fsynced on the thread pool before the
 * promise resolves, and only then do other sessions hear of the change. The databases are back to
 * fsyncing every other commit afterwards.
 */
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Mailbox } from '../../src/mailbox/index.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

type Fsync = (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;
/**
 * fs.fsync and fs.fdatasync (a WAL's sync) as the code under test sees them: the real ones unless
 * a test puts its own here, which then sees both.
 */
const hook = vi.hoisted(() => ({ fsync: null as null | ((fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void) }));
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const fsync = (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => (hook.fsync ? hook.fsync(fd, done) : actual.fsync(fd, done));
  const fdatasync = (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => (hook.fsync ? hook.fsync(fd, done) : actual.fdatasync(fd, done));
  return { ...actual, default: { ...actual, fsync, fdatasync }, fsync, fdatasync };
});
const mockFsync = (fn: Fsync) => (hook.fsync = fn);

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv();
  store = env.open();
});
afterEach(() => {
  hook.fsync = null;
  env.cleanup();
});

async function filled(): Promise<Mailbox> {
  store.createMailbox('user.fred');
  const box = store.openMailbox('user.fred');
  await box.append([1, 2, 3].map((i) => ({ content: message(`m${i}`) })), { userid: 'fred' });
  return box;
}

const synchronous = (box: Mailbox) => (box as unknown as { index: { db: { pragma(p: string, o: object): unknown } } }).index.db.pragma('synchronous', { simple: true });

/**
 * After a group commit the connection stays at NORMAL (no switch back per write); the next write
 * that is not a group commit (setFlags, which fsyncs at its commit) is at FULL again.
 */
function fullForPlainWrites(box: Mailbox): void {
  expect(synchronous(box)).toBe(1);
  box.setFlags([1], 'add', ['$Plain'], { userid: 'fred' });
  expect(synchronous(box)).toBe(2);
}

describe('setFlagsDurably', () => {
  it('fsyncs the index WAL and seen.db WAL off the event loop before it resolves and before telling anyone', async () => {
    const box = await filled();
    box.close();
    // joe is not the owner of user.fred: his \Seen lives in seen.db.
    store.setAcl('user.fred', 'fred lrswipkxtecda joe lrsw');
    try {
      const fsyncs: number[] = [];
      const heard: string[] = [];
      store.onChange((name) => heard.push(`${name} after ${fsyncs.length} fsyncs`));
      mockFsync((fd, done) => {
        fsyncs.push(fd);
        setImmediate(() => done(null));
      });
      const pending = box.setFlagsDurably([1, 2], 'add', ['\\Seen', '\\Flagged'], { userid: 'joe' });
      // committed already: another store (another process) reads it
      const other = env.open().openMailbox('user.fred');
      expect(other.records([1], 'joe')[0]!.flags).toEqual(expect.arrayContaining(['\\Seen', '\\Flagged']));
      other.close();
      expect(heard).toEqual([]);
      const result = await pending;
      expect(result.changed.map((r) => r.uid)).toEqual([1, 2]);
      expect(fsyncs.length).toBe(2); // the index WAL and seen.db's
      expect(heard).toEqual(['user.fred after 2 fsyncs']);
      fullForPlainWrites(box);
    } finally {
      box.close();
    }
  });

  it("fsyncs only the index WAL for the owner's \\Seen (a bit of the records)", async () => {
    const box = await filled();
    try {
      let fsyncs = 0;
      mockFsync((_fd, done) => {
        fsyncs++;
        setImmediate(() => done(null));
      });
      const result = await box.setFlagsDurably([1, 2], 'add', ['\\Seen'], { userid: 'fred' });
      expect(result.changed.map((r) => r.flags)).toEqual([['\\Seen'], ['\\Seen']]);
      expect(fsyncs).toBe(1);
    } finally {
      box.close();
    }
  });

  it('fsyncs only the index WAL when \\Seen did not change, and nothing when nothing changed', async () => {
    const box = await filled();
    try {
      let fsyncs = 0;
      mockFsync((_fd, done) => {
        fsyncs++;
        setImmediate(() => done(null));
      });
      await box.setFlagsDurably([3], 'add', ['\\Flagged'], { userid: 'fred' });
      expect(fsyncs).toBe(1);
      await box.setFlagsDurably([3], 'add', ['\\Flagged'], { userid: 'fred' });
      expect(fsyncs).toBe(1);
    } finally {
      box.close();
    }
  });

  it('fails (Temp) when the fsync fails, and fsyncs every commit again afterwards', async () => {
    const box = await filled();
    try {
      mockFsync((_fd, done) => setImmediate(() => done(Object.assign(new Error('EIO'), { code: 'EIO' }))));
      await expect(box.setFlagsDurably([1], 'add', ['\\Flagged'], { userid: 'fred' })).rejects.toMatchObject({ kind: 'Temp' });
      fullForPlainWrites(box);
    } finally {
      box.close();
    }
  });

  it('expungeDurably: removes files (expunge_mode immediate) and tells others only after the index WAL is on disk', async () => {
    env.cleanup();
    env = makeEnv('expunge_mode: immediate');
    store = env.open();
    const box = await filled();
    try {
      await box.setFlagsDurably([2], 'add', ['\\Deleted'], { userid: 'fred' });
      const file = box.messagePath(2);
      const seenAtFsync: boolean[] = [];
      const heard: number[] = [];
      store.onChange(() => heard.push(seenAtFsync.length));
      mockFsync((_fd, done) => {
        seenAtFsync.push(existsSync(file));
        setImmediate(() => done(null));
      });
      expect(await box.expungeDurably()).toEqual([2]);
      expect(seenAtFsync).toEqual([true]); // the file was still there when the WAL was fsynced
      expect(existsSync(file)).toBe(false);
      expect(heard).toEqual([1]);
      fullForPlainWrites(box);
    } finally {
      box.close();
    }
  });
});
