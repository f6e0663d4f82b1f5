/**
 * Issue 15: the SORT order of a large mailbox is kept per process and patched with the messages
 * appended since (merged by their keys compared as SQLite compares them). After appends and
 * expunges the kept order must equal the one SQLite sorts afresh.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FieldSortCriterion } from '../../src/mailbox/index.js';
import { compareBinary } from '../../src/mailbox/message-fields.js';
import { ORDER_CACHE_FROM } from '../../src/mailbox/sort-order-cache.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('expunge_mode: immediate\nfsync_disabled: yes');
  store = env.open();
});
afterEach(() => env.cleanup());

// Subjects whose UTF-8 order differs from JavaScript's UTF-16 order (U+E000.. against astral
// characters), empty ones, ties, and encoded words.
const SUBJECTS = ['lunch', 'Re: lunch', '', 'caf\u00e9', '\ue000 private', '\u{1f600} smile', '\uffef wide', 'Zebra', 'zebra', 'a', '=?UTF-8?B?8J+YgA==?= encoded', '[list] lunch'];

function message(i: number): Buffer {
  const headers = [
    `From: "${SUBJECTS[(i * 7) % SUBJECTS.length]}" <user${i % 13}@example.com>`,
    `To: ${i % 5 === 0 ? 'undisclosed-recipients:;' : `rcpt${i % 17}@example.org`}`,
    `Subject: ${SUBJECTS[i % SUBJECTS.length]}`,
    ...(i % 9 === 0 ? [] : [`Date: ${1 + (i % 28)} Jan 2024 ${String(i % 24).padStart(2, '0')}:00:00 +0000`]),
  ];
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${'x'.repeat(i % 31)}\r\n`);
}

/** Internal dates out of UID order, with ties. */
const dated = (i: number) => ({ content: message(i), internalDate: new Date(Date.UTC(2024, 0, 1 + (i % 40), (i * 5) % 24)) });

const CRITERIA: FieldSortCriterion[][] = [
  [{ key: 'subject', reverse: false }],
  [{ key: 'arrival', reverse: true }],
  [{ key: 'from', reverse: false }, { key: 'date', reverse: true }],
  [{ key: 'size', reverse: false }],
  [{ key: 'size', reverse: true }, { key: 'arrival', reverse: false }],
  [{ key: 'arrival', reverse: false }],
  [{ key: 'displayfrom', reverse: true }, { key: 'subject', reverse: false }],
  [{ key: 'to', reverse: false }, { key: 'cc', reverse: true }, { key: 'displayto', reverse: false }],
];

describe('kept SORT orders', () => {
  it('compares text in UTF-8 byte order, as SQLite does', () => {
    expect(compareBinary('\ue000', '\u{1f600}')).toBeLessThan(0);
    expect(compareBinary('\u{1f600}', '\uffef')).toBeGreaterThan(0);
    expect(compareBinary('a', 'ab')).toBeLessThan(0);
    expect(compareBinary('Z', 'a')).toBeLessThan(0);
    expect(compareBinary('\u00e9', '\u00e9')).toBe(0);
  });

  it('match a fresh sort after appends and expunges', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    try {
      const count = ORDER_CACHE_FROM + 50;
      const items = [];
      for (let i = 0; i < count; i++) items.push(dated(i));
      await box.append(items);
      // ARRIVAL and SIZE come from the snapshot columns kept in the process (taken here first).
      expect(box.snapshot('fred').count).toBe(count);
      const kept = CRITERIA.map((c) => box.fields.sortedUids(c));
      CRITERIA.forEach((c, k) => {
        expect(box.fields.sortedUids(c)).toBe(kept[k]); // the kept order, not sorted again
        expect(Array.from(kept[k]!)).toEqual(Array.from(box.fields.sortedUids(c, true)));
      });

      // Appended since (merged in), and some expunged (dropped first).
      const more = [];
      for (let i = count; i < count + 40; i++) more.push(dated(i));
      await box.append(more.slice(0, 25));
      box.expunge({ uids: [3, 50, 51, 700, count], force: true });
      await box.append(more.slice(25));
      for (const c of CRITERIA) {
        const merged = box.fields.sortedUids(c);
        expect(merged.length).toBe(count + 40 - 5);
        expect(Array.from(merged)).toEqual(Array.from(box.fields.sortedUids(c, true)));
      }

      // Expunged alone: the kept order still holds them; the rest is in the fresh order.
      box.expunge({ uids: [10, 11, 12], force: true });
      for (const c of CRITERIA) {
        const stale = box.fields.sortedUids(c);
        expect(stale.length).toBe(count + 40 - 5);
        const live = Array.from(stale).filter((uid) => uid < 10 || uid > 12);
        expect(live).toEqual(Array.from(box.fields.sortedUids(c, true)));
      }
    } finally {
      box.close();
    }
  });

  it('orders by UID and MODSEQ from the index columns; a kept MODSEQ order gives way to a flag change', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    try {
      const count = ORDER_CACHE_FROM + 20;
      const items = [];
      for (let i = 0; i < count; i++) items.push(dated(i));
      await box.append(items);
      box.setFlags([500, 7], 'add', ['\\Flagged'], { userid: 'fred' });
      box.setFlags([3], 'add', ['\\Seen'], { userid: 'fred' });
      expect(box.snapshot('fred').count).toBe(count);
      const byModseq: FieldSortCriterion[] = [{ key: 'modseq', reverse: false }];
      const reverseModseq: FieldSortCriterion[] = [{ key: 'modseq', reverse: true }, { key: 'uid', reverse: true }];
      const untouched = Array.from({ length: count }, (_, i) => i + 1).filter((uid) => uid !== 3 && uid !== 7 && uid !== 500);
      for (const fresh of [false, true, false]) {
        expect(Array.from(box.fields.sortedUids([{ key: 'uid', reverse: true }], fresh))).toEqual(Array.from({ length: count }, (_, i) => count - i));
        // The two flagged by one change share its modseq: by UID between them.
        expect(Array.from(box.fields.sortedUids(byModseq, fresh))).toEqual([...untouched, 7, 500, 3]);
        expect(Array.from(box.fields.sortedUids(reverseModseq, fresh))).toEqual([3, 500, 7, ...untouched.reverse()]);
        untouched.reverse();
      }
      // A flag change (in this process or another) moves the message: the kept order is not used.
      box.setFlags([1], 'add', ['\\Answered'], { userid: 'fred' });
      expect(Array.from(box.fields.sortedUids(byModseq)).slice(-4)).toEqual([7, 500, 3, 1]);
      expect(Array.from(box.fields.sortedUids(byModseq))).toEqual(Array.from(box.fields.sortedUids(byModseq, true)));
    } finally {
      box.close();
    }
  });
});
