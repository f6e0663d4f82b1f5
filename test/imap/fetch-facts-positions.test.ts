/**
 * Issue 16, fairness: FETCH 1:* of a view still at its snapshot's state asks for a part of the
 * snapshot's own UID column (the selection shares it), and MessageFactsSource then takes each
 * message's position as the offset into that column instead of looking every UID up (a loop that
 * held the first FETCH 1:* of a 100,000-message mailbox 7 ms in one turn). The facts must be the
 * same whichever way the positions were found: a part of the column at any offset, a copy of it,
 * and UIDs the mailbox no longer has.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MessageFactsSource, positionInColumn } from '../../src/imap/commands/message/facts.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('expunge_mode: immediate');
  store = env.open();
});
afterEach(() => env.cleanup());

/** Everything the accessors tell of the facts of `uids`. */
function told(facts: MessageFactsSource, n: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    out.push(facts.has(i) ? [facts.uidOf(i), facts.get(i), facts.flagsOf(i), facts.plainFlagBitsOf(i), facts.keywordKeyOf(i), facts.modseqOf(i), facts.internalDateOf(i), facts.sizeOf(i)] : [facts.uidOf(i), facts.get(i)]);
  }
  return out;
}

describe('MessageFactsSource positions', () => {
  it('positionInColumn: a view of the same memory inside the column, else -1', () => {
    const column = new Uint32Array([3, 5, 8, 13, 21, 0, 0]);
    expect(positionInColumn(column.subarray(0, 5), column, 5)).toBe(0);
    expect(positionInColumn(column.subarray(2, 4), column, 5)).toBe(2);
    // past the entries in use (the room an append fills later)
    expect(positionInColumn(column.subarray(3, 6), column, 5)).toBe(-1);
    // equal numbers in other memory
    expect(positionInColumn(column.slice(0, 5), column, 5)).toBe(-1);
    expect(positionInColumn([3, 5, 8], column, 5)).toBe(-1);
    // the column a view of a bigger buffer: offsets are relative to it
    expect(positionInColumn(column.subarray(4, 5), column.subarray(1), 4)).toBe(3);
    expect(positionInColumn(column.subarray(0, 2), column.subarray(1), 4)).toBe(-1);
  });

  it('facts of a part of the snapshot column are those of the same UIDs looked up', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const items = [];
    for (let i = 0; i < 100; i++) items.push({ content: message(`m${i}`), flags: i % 3 === 0 ? ['\\Seen'] : i % 7 === 0 ? ['$Label', '\\Flagged'] : [] });
    await box.append(items, { userid: 'fred' });
    box.expunge({ uids: [10, 11, 50], force: true });
    try {
      const column = box.snapshot('fred').uids;
      for (const [from, to] of [[0, 97], [5, 40], [60, 97]] as const) {
        const part = column.subarray(from, to);
        const copy = Array.from(part);
        const shared = MessageFactsSource.load(box, part, 'fred');
        const looked = MessageFactsSource.load(box, Uint32Array.from(copy), 'fred');
        expect(told(shared, part.length)).toEqual(told(looked, copy.length));
        expect(shared.uidOf(0)).toBe(copy[0]);
      }
      // UIDs the mailbox no longer has are not in the column: those targets come through the lookup.
      const gone = MessageFactsSource.load(box, Uint32Array.from([9, 10, 11, 12]), 'fred');
      expect([0, 1, 2, 3].map((i) => gone.has(i))).toEqual([true, false, false, true]);
    } finally {
      box.close();
    }
  });
});
