/**
 * Issue 16, fairness: the first SELECT after many deliveries claims \Recent for every message (a
 * Set of 100,000 UIDs took 15 ms of that SELECT's turn); a claim of 1024 messages or more is kept as
 * its UID span. What the client is told must not change: RECENT counts, \Recent in FLAGS, expunges
 * of recent messages, messages claimed before the view numbers them, and a message expunged before
 * the claim but still numbered by the view (not claimed: the span is not used then).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SelectedMailbox } from '../../src/imap/session/selected.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('expunge_mode: immediate\nfsync_disabled: yes');
  store = env.open();
});
afterEach(() => env.cleanup());

const MANY = 1500;

async function fill(count: number): Promise<void> {
  const box = store.openMailbox('user.fred');
  const items = [];
  for (let i = 0; i < count; i++) items.push({ content: message(`m${i}`) });
  await box.append(items);
  box.close();
}

/** The view's messages that are \Recent to it, by sequence number. */
function recentSeqs(selected: SelectedMailbox): number[] {
  const out: number[] = [];
  for (let seq = 1; seq <= selected.count; seq++) if (selected.isRecent(selected.uidAt(seq))) out.push(seq);
  return out;
}

describe('a big \\Recent claim', () => {
  it('SELECT after many deliveries: every message recent, counted, and expunges counted down', async () => {
    store.createMailbox('user.fred');
    await fill(MANY);
    const selected = await SelectedMailbox.open(store.openMailbox('user.fred'), 'INBOX', false, 'fred');
    const other = store.openMailbox('user.fred');
    try {
      expect(selected.recentCount).toBe(MANY);
      expect(recentSeqs(selected)).toHaveLength(MANY);
      // A second session claims nothing.
      const second = await SelectedMailbox.open(store.openMailbox('user.fred'), 'INBOX', false, 'fred');
      expect(second.recentCount).toBe(0);
      expect(second.isRecent(selected.uidAt(1))).toBe(false);
      second.close();
      // New messages: claimed by the sync, recent too.
      await fill(3);
      const updates = selected.sync({ allowExpunge: true });
      expect(updates).toEqual([{ kind: 'exists', count: MANY + 3 }, { kind: 'recent', count: MANY + 3 }]);
      // Expunged: the count goes down by the recent ones that left.
      other.expunge({ uids: [selected.uidAt(1), selected.uidAt(700), selected.uidAt(MANY + 2)], force: true });
      const after = selected.sync({ allowExpunge: true });
      expect(after.filter((u) => u.kind === 'expunge')).toHaveLength(3);
      expect(selected.recentCount).toBe(MANY);
      expect(recentSeqs(selected)).toHaveLength(MANY);
    } finally {
      other.close();
      selected.close();
    }
  });

  it('a message expunged before the claim and still numbered by the view is not recent', async () => {
    store.createMailbox('user.fred');
    const selected = await SelectedMailbox.open(store.openMailbox('user.fred'), 'INBOX', false, 'fred');
    const other = store.openMailbox('user.fred');
    try {
      await fill(MANY);
      // The view numbers the new messages now and claims them later (as an IDLE push does).
      expect(selected.sync({ allowExpunge: true, deferRecent: true })).toEqual([{ kind: 'exists', count: MANY }]);
      const gone = selected.uidAt(5);
      other.expunge({ uids: [gone], force: true });
      expect(await selected.claimRecent()).toEqual([{ kind: 'recent', count: MANY - 1 }]);
      expect(selected.isRecent(gone)).toBe(false);
      expect(recentSeqs(selected)).toHaveLength(MANY - 1);
      const after = selected.sync({ allowExpunge: true });
      expect(after).toEqual([{ kind: 'expunge', seq: 5, uid: gone }]);
      expect(selected.recentCount).toBe(MANY - 1);
      expect(recentSeqs(selected)).toHaveLength(MANY - 1);
    } finally {
      other.close();
      selected.close();
    }
  });
});
