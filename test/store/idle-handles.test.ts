/**
 * A mailbox handle nobody holds stays open, idle, for the next openMailbox in the process (a client
 * that logs in, SELECTs and logs out again and again does not reopen the index each time), unless
 * the mailbox was renamed, deleted or made again meanwhile, here or in another process, or its
 * index rebuilt in a new file: then a fresh handle is opened.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IndexDb } from '../../src/mailbox/index-db.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from './helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes');
  store = env.open();
});
afterEach(() => {
  vi.restoreAllMocks();
  env.cleanup();
});

describe('idle mailbox handles', () => {
  it('reuses the handle of a mailbox closed by its last holder, without opening the index again', async () => {
    store.createMailbox('user.fred');
    const first = store.openMailbox('user.fred');
    await first.append([{ content: message('one') }]);
    first.close();
    const opened = vi.spyOn(IndexDb, 'open');
    const again = store.openMailbox('user.fred');
    expect(again).toBe(first);
    expect(again.status().messages).toBe(1);
    expect(opened).not.toHaveBeenCalled();
    again.close();
  });

  it('opens afresh after the mailbox was deleted and made again by another process', async () => {
    store.createMailbox('user.fred');
    const first = store.openMailbox('user.fred');
    await first.append([{ content: message('one') }]);
    first.close();
    const other = env.open();
    other.deleteMailbox('user.fred');
    other.createMailbox('user.fred');
    const again = store.openMailbox('user.fred');
    expect(again).not.toBe(first);
    expect(again.status().messages).toBe(0);
    again.close();
  });

  it('fails as a fresh open does once another process deleted the mailbox', () => {
    store.createMailbox('user.fred');
    store.openMailbox('user.fred').close();
    env.open().deleteMailbox('user.fred');
    expect(() => store.openMailbox('user.fred')).toThrow(/no mailbox user.fred/);
  });

  it('does not hand out a renamed or deleted mailbox\'s handle, here', () => {
    store.createMailbox('user.fred');
    const first = store.openMailbox('user.fred');
    first.close();
    store.renameMailbox('user.fred', 'user.wilma');
    store.createMailbox('user.fred');
    const fresh = store.openMailbox('user.fred');
    expect(fresh).not.toBe(first);
    fresh.close();
    const moved = store.openMailbox('user.wilma');
    expect(moved).not.toBe(first);
    moved.close();
  });
});
