/**
 * THREAD's input read from message_fields (src/mailbox/thread-input.ts): the same threads as the
 * message objects give, kept per process for a big mailbox and brought up to date with the
 * records appended since, and read row by row when a stored text holds the NUL that separates
 * the concatenated columns.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forgetThreadInput } from '../../src/mailbox/thread-input.js';
import {
  formatForest, formatThreads, orderedSubjectForest, referencesForest, referencesThreads, refsForest, type ThreadInput, type ThreadMessage,
} from '../../src/message/index.js';
import type { Mailbox } from '../../src/mailbox/index.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('expunge_mode: immediate');
  store = env.open();
});
afterEach(() => env.cleanup());

/** Message i: threads of replies by In-Reply-To or References, subjects shared by several. */
function message(i: number): { content: Buffer; thread: Omit<ThreadMessage, 'id'> } {
  const subject = i % 7 === 0 ? `Re: topic ${i % 5}` : `topic ${i % 5} item ${i % 40}`;
  const date = `${1 + (i % 28)} Jan 2024 10:${String(i % 60).padStart(2, '0')}:00 +0000`;
  const references = i % 4 === 0 && i > 8 ? `<m${i - 8}@x> <m${i - 3}@x>` : null;
  const inReplyTo = i % 3 === 0 && i > 0 ? `<m${i - 1}@x>` : null;
  const headers = [`Subject: ${subject}`, `Date: Mon, ${date}`, `Message-ID: <m${i}@x>`, 'From: a@example.org'];
  if (references) headers.push(`References: ${references}`);
  if (inReplyTo) headers.push(`In-Reply-To: ${inReplyTo}`);
  return {
    content: Buffer.from(`${headers.join('\r\n')}\r\n\r\nbody ${i}\r\n`),
    thread: { subject, date: Date.parse(`${date.replace(' +0000', '')} GMT`), messageId: `<m${i}@x>`, references, inReplyTo },
  };
}

function everything(input: ThreadInput): { rows: Int32Array; labels: Float64Array } {
  const rows = Int32Array.from({ length: input.count }, (_, i) => i);
  return { rows, labels: Float64Array.from(rows, (r) => input.keys[r]!) };
}

async function fill(box: Mailbox, from: number, to: number, expected: ThreadMessage[]): Promise<void> {
  const batch = Array.from({ length: to - from }, (_, k) => message(from + k));
  const { uids } = await box.append(batch.map((m) => ({ content: m.content })));
  uids.forEach((uid, k) => expected.push({ id: uid, ...batch[k]!.thread }));
}

describe('THREAD input from message_fields', () => {
  it('threads as the message objects do; a big mailbox is kept and takes the records appended since', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const expected: ThreadMessage[] = [];
    await fill(box, 0, 1100, expected);
    const input = box.fields.threadInput();
    expect(input.count).toBe(1100);
    const oracle = formatThreads(referencesThreads(expected));
    expect(formatForest(referencesForest(input, everything(input)))).toBe(oracle);
    expect(box.fields.threadInput()).toBe(input);

    await fill(box, 1100, 1130, expected);
    const after = box.fields.threadInput();
    expect(after).toBe(input);
    expect(after.count).toBe(1130);
    const threads = formatForest(referencesForest(after, everything(after)));
    expect(threads).toBe(formatThreads(referencesThreads(expected)));
    expect(threads).not.toBe(oracle);
    // Read afresh: the same.
    forgetThreadInput(join(box.path, 'cyrus.index'));
    const fresh = box.fields.threadInput();
    expect(fresh).not.toBe(input);
    for (const run of [referencesForest, orderedSubjectForest, refsForest]) {
      expect(formatForest(run(fresh, everything(fresh)))).toBe(formatForest(run(after, everything(after))));
    }
  });

  it('a small mailbox is read each time', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const expected: ThreadMessage[] = [];
    await fill(box, 0, 20, expected);
    expect(box.fields.threadInput()).not.toBe(box.fields.threadInput());
    const input = box.fields.threadInput();
    expect(formatForest(referencesForest(input, everything(input)))).toBe(formatThreads(referencesThreads(expected)));
  });

  it('a stored text holding a NUL is read row by row, not misaligned', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const expected: ThreadMessage[] = [];
    await fill(box, 0, 30, expected);
    const db = new Database(join(box.path, 'cyrus.index'));
    db.prepare('UPDATE message_fields SET base_subject = ? WHERE uid = 4').run('odd\0subject');
    db.prepare("UPDATE message_fields SET refs = '<m1@x>' || char(0) || ' <m2@x>' WHERE uid = 10").run();
    db.close();
    expected[3] = { ...expected[3]!, subject: null, baseSubject: 'odd\0subject', replyOrForward: false };
    expected[9] = { ...expected[9]!, references: '<m1@x>\0 <m2@x>' };
    const input = box.fields.threadInput();
    const all = everything(input);
    expect(formatForest(referencesForest(input, all))).toBe(formatThreads(referencesThreads(expected)));
    expect(input.subjects[3]).not.toBe(input.subjects[2]);
  });
});
