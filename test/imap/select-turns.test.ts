/**
 * Issue 16, fairness: SELECT of a big mailbox after another connection's change takes its snapshot
 * (a patch of the kept columns), claims \Recent (a write) and walks the view, each on a turn of its
 * own, so that the other sessions of the process are served between them. Ordering only: the turns
 * are seen as the setImmediate calls made between the steps. The claim, a turn after the snapshot,
 * still claims exactly what the view numbers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SelectedMailbox } from '../../src/imap/session/selected.js';
import { Mailbox } from '../../src/mailbox/mailbox.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

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

/** At least SelectedMailbox's WALK_APART_FROM. */
const BIG = 10_000;

async function append(count: number, from: number, by = store): Promise<void> {
  const box = by.openMailbox('user.fred');
  const items = [];
  for (let i = 0; i < count; i++) items.push({ content: message(`m${from + i}`) });
  await box.append(items);
  box.close();
}

describe('SELECT of a big mailbox after a change', () => {
  it('gives a turn between the snapshot and the \\Recent claim, and claims what the view numbers', async () => {
    store.createMailbox('user.fred');
    await append(BIG, 0);
    // The first SELECT reads the columns (kept by the process) and claims every message.
    const first = await SelectedMailbox.open(store.openMailbox('user.fred'), 'INBOX', false, 'fred');
    expect(first.recentCount).toBe(BIG);
    first.close();
    // Another connection's append (a store of its own: its own index connection, as another
    // process's): the next SELECT reads the index and patches the kept columns.
    await append(1, BIG, env.open());
    const steps: string[] = [];
    const snapshot = Mailbox.prototype.snapshot;
    vi.spyOn(Mailbox.prototype, 'snapshot').mockImplementation(function (this: Mailbox, ...args) {
      steps.push('snapshot');
      return snapshot.apply(this, args);
    });
    const claim = Mailbox.prototype.claimRecent;
    vi.spyOn(Mailbox.prototype, 'claimRecent').mockImplementation(function (this: Mailbox, ...args) {
      steps.push('claim');
      return claim.apply(this, args);
    });
    const immediate = globalThis.setImmediate;
    vi.spyOn(globalThis, 'setImmediate').mockImplementation(((...args: Parameters<typeof setImmediate>) => {
      steps.push('turn');
      return immediate(...args);
    }) as typeof setImmediate);
    const selected = await SelectedMailbox.open(store.openMailbox('user.fred'), 'INBOX', false, 'fred');
    vi.restoreAllMocks();
    try {
      const s = steps.indexOf('snapshot');
      const c = steps.indexOf('claim');
      expect(s).toBeGreaterThanOrEqual(0);
      expect(c).toBeGreaterThan(s);
      expect(steps.slice(s + 1, c)).toContain('turn');
      // ...and another between the claim and the walks (and the sequence numbers counted ahead).
      expect(steps.slice(c + 1)).toContain('turn');
      expect(selected.count).toBe(BIG + 1);
      expect(selected.recentCount).toBe(1);
      expect(selected.isRecent(selected.uidAt(BIG + 1))).toBe(true);
      expect(selected.isRecent(selected.uidAt(BIG))).toBe(false);
    } finally {
      selected.close();
    }
  }, 60_000);
});
