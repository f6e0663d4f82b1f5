/**
 * Issue 16, fairness: the SELECT of a big mailbox that read the mailbox (not the columns the process
 * kept quiet) walks its messages (first unseen, keywords in use) on a turn after the read, so the
 * other sessions of the process run in between. Ordering only, never time.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SelectedMailbox } from '../../src/imap/session/selected.js';
import { MailboxSnapshot } from '../../src/mailbox/index.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeAll(async () => {
  env = makeEnv('fsync_disabled: yes');
  store = env.open();
  await bigMailbox();
}, 60_000);
afterAll(() => env.cleanup());

/** Above the size from which the walk has a turn of its own. */
const COUNT = 10_500;

async function bigMailbox(): Promise<void> {
  store.createMailbox('user.fred');
  const box = store.openMailbox('user.fred');
  const items = [];
  for (let i = 1; i <= COUNT; i++) items.push({ content: message(`m${i}`), flags: i <= 5000 ? ['\\Seen'] : i % 997 === 0 ? ['$Work'] : [] });
  await box.append(items, { userid: 'fred' });
  box.close();
}

describe('SELECT of a big mailbox', () => {
  for (const readOnly of [false, true]) {
    it(`${readOnly ? 'EXAMINE' : 'SELECT'}: other sessions run between reading the mailbox and walking its messages`, async () => {
      // Columns read and kept once before: the open below reads the index but takes no turn for it.
      const first = await SelectedMailbox.open(store.openMailbox('user.fred'), 'INBOX', true, 'fred');
      first.close();
      const order: string[] = [];
      const isSeen = vi.spyOn(MailboxSnapshot.prototype, 'isSeen');
      try {
        const mailbox = store.openMailbox('user.fred');
        // Another session's work, queued as the SELECT starts.
        setImmediate(() => order.push('other'));
        const opening = SelectedMailbox.open(mailbox, 'INBOX', readOnly, 'fred').then((selected) => {
          order.push(`walked ${isSeen.mock.calls.length > 0}`);
          return selected;
        });
        // The walk has not started in the turn that asked.
        expect(isSeen).not.toHaveBeenCalled();
        const selected = await opening;
        expect(order).toEqual(['other', 'walked true']);
        expect(selected.firstUnseen).toBe(5001);
        expect(selected.keywords).toEqual(['$Work']);
        expect(selected.count).toBe(COUNT);
        selected.close();
      } finally {
        isSeen.mockRestore();
      }
    }, 60_000);
  }
});
