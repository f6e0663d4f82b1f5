/**
 * Issue 16, IDLE push: a session that hears of new messages tells EXISTS at once and claims their
 * \Recent afterwards, without waiting for the write lock on the event loop every session of the
 * process shares. While another connection holds the mailbox's write lock, the claim waits
 * (ordering only, never time) and the process keeps serving; once the lock is free the claim ends.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SelectedMailbox } from '../../src/imap/session/selected.js';
import { INDEX_FILE } from '../../src/mailbox/files.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('expunge_mode: immediate');
  store = env.open();
});
afterEach(() => env.cleanup());

/** A few turns of the event loop (the claim tries the lock once per millisecond at most). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('the \\Recent claim of new messages', () => {
  it('tryClaimRecent gives up while another connection holds the write lock, and claims once it is free', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([{ content: message('a') }]);
    const other = new Database(join(box.path, INDEX_FILE));
    try {
      other.exec('BEGIN IMMEDIATE');
      expect(box.tryClaimRecent()).toBeNull();
      other.exec('COMMIT');
      expect(box.tryClaimRecent()).toEqual([1]);
      expect(box.tryClaimRecent()).toEqual([]);
    } finally {
      other.close();
      box.close();
    }
  });

  it('a sync tells EXISTS before the claim; RECENT comes when the lock is free', async () => {
    store.createMailbox('user.fred');
    const writer = store.openMailbox('user.fred');
    await writer.append([{ content: message('a') }]);
    const selected = await SelectedMailbox.open(store.openMailbox('user.fred'), 'INBOX', false, 'fred');
    await writer.append([{ content: message('b') }]);
    const other = new Database(join(writer.path, INDEX_FILE));
    try {
      other.exec('BEGIN IMMEDIATE');
      const updates = selected.sync({ allowExpunge: true, deferRecent: true });
      expect(updates).toEqual([{ kind: 'exists', count: 2 }]);
      expect(selected.recentClaimDue).toBe(true);
      let claimed: unknown = null;
      const claim = selected.claimRecent().then((u) => (claimed = u));
      await turns(20);
      // The lock is still held: no claim, and the loop kept turning meanwhile.
      expect(claimed).toBeNull();
      other.exec('COMMIT');
      await claim;
      // Message 1 was claimed by the SELECT, message 2 now.
      expect(claimed).toEqual([{ kind: 'recent', count: 2 }]);
      expect(selected.recentClaimDue).toBe(false);
      expect(writer.status().recent).toBe(0);
    } finally {
      other.close();
      selected.close();
      writer.close();
    }
  });

  it('a claim told it is due reads no row before its write transaction, and claims only up to upTo', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([{ content: message('a') }, { content: message('b') }, { content: message('c') }]);
    const index = (box as unknown as { index: { mailbox: () => unknown } }).index;
    const rowReads = vi.spyOn(index, 'mailbox');
    try {
      expect(box.tryClaimRecent({ due: true, upTo: 2 })).toEqual([1, 2]);
      // One read of the row, inside the claim's transaction.
      expect(rowReads).toHaveBeenCalledTimes(1);
      rowReads.mockClear();
      expect(box.status().recent).toBe(1);
      rowReads.mockClear();
      expect(box.tryClaimRecent()).toEqual([3]);
      // Without `due`: the row is read first to see whether there is anything to claim.
      expect(rowReads).toHaveBeenCalledTimes(2);
      expect(box.tryClaimRecent({ due: true, upTo: 5 })).toEqual([]);
    } finally {
      rowReads.mockRestore();
      box.close();
    }
  });

  it('a sync without deferRecent still claims inline (EXISTS then RECENT)', async () => {
    store.createMailbox('user.fred');
    const writer = store.openMailbox('user.fred');
    const selected = await SelectedMailbox.open(store.openMailbox('user.fred'), 'INBOX', false, 'fred');
    await writer.append([{ content: message('a') }]);
    expect(selected.sync({ allowExpunge: true })).toEqual([
      { kind: 'exists', count: 1 },
      { kind: 'recent', count: 1 },
    ]);
    selected.close();
    writer.close();
  });
});
