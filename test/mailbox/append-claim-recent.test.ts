/**
 * Issue 16: an IMAP session appending to the mailbox it has selected takes \Recent in the
 * append's own write transaction (AppendOptions.claimRecent) instead of a second one after it.
 * Exactly one caller still gets each message: the appender takes the new messages and any that no
 * session claimed before; nobody else finds them afterwards, in this process or another.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SelectedMailbox } from '../../src/imap/session/selected.js';
import { IndexDb } from '../../src/mailbox/index-db.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('expunge_mode: immediate');
  store = env.open();
});
afterEach(() => env.cleanup());

describe('append with claimRecent', () => {
  it('claims the new messages and older unclaimed ones in the same transaction', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([{ content: message('a') }]);
    const result = await box.append([{ content: message('b') }, { content: message('c') }], { claimRecent: true });
    expect(result.uids).toEqual([2, 3]);
    expect(result.recent).toEqual([1, 2, 3]);
    expect(box.claimRecent()).toEqual([]);
    expect(box.status().recent).toBe(0);
    // The claim is in the index itself: another connection (another process) finds nothing to claim.
    const other = IndexDb.open(box.path, false);
    try {
      expect(other.mailbox().recentuid).toBe(3);
    } finally {
      other.close();
    }
    box.close();
  });

  it('without claimRecent the append claims nothing', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const result = await box.append([{ content: message('a') }]);
    expect(result.recent).toBeUndefined();
    expect(box.status().recent).toBe(1);
    expect(box.claimRecent()).toEqual([1]);
    box.close();
  });

  it('a session that noted its append\'s claim makes no claim of its own when it syncs', async () => {
    store.createMailbox('user.fred');
    const handle = store.openMailbox('user.fred');
    const selected = await SelectedMailbox.open(handle, 'INBOX', false, 'fred');
    const tryClaim = vi.spyOn(handle, 'tryClaimRecent');
    const claim = vi.spyOn(handle, 'claimRecent');
    const result = await handle.append([{ content: message('a') }], { claimRecent: true });
    selected.noteRecentClaimed(result.recent!, result.uids.at(-1)!);
    expect(selected.sync({ allowExpunge: true, deferRecent: true })).toEqual([
      { kind: 'exists', count: 1 },
      { kind: 'recent', count: 1 },
    ]);
    expect(selected.recentClaimDue).toBe(false);
    expect(selected.isRecent(1)).toBe(true);
    // A message appended by someone else afterwards is claimed as before.
    const writer = store.openMailbox('user.fred');
    await writer.append([{ content: message('b') }]);
    expect(selected.sync({ allowExpunge: true })).toEqual([
      { kind: 'exists', count: 2 },
      { kind: 'recent', count: 2 },
    ]);
    expect(tryClaim).not.toHaveBeenCalled();
    expect(claim).toHaveBeenCalledTimes(1);
    writer.close();
    selected.close();
  });

  it('an EXAMINE session does not take a claim', async () => {
    store.createMailbox('user.fred');
    const handle = store.openMailbox('user.fred');
    const examined = await SelectedMailbox.open(handle, 'INBOX', true, 'fred');
    examined.noteRecentClaimed([1], 1);
    expect(examined.recentCount).toBe(0);
    examined.close();
  });
});
