/**
 * FETCH of the whole message (BODY[], BODY.PEEK[], RFC822, BINARY.PEEK[], BINARY.SIZE[]) is the
 * message file and its size: no cached summary is read and parsed for it (what most mail clients
 * ask for a message); a section of a part or a header still uses the summary. The bytes are the
 * file's, with and without the summary loaded for another item of the same FETCH. A small
 * message is read without the thread pool (shared with every APPEND's fsync), and a FETCH of a
 * few messages that answers no flags reads no seen state.
 */
import { promises as fsp } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MessageReader } from '../../../src/mailbox/reader.js';
import { SeenStore } from '../../../src/store/seen.js';
import type { TestServer } from '../harness.js';
import { BIG, MULTIPART, PLAIN, fredIn, rawCommand, startWithMessages } from './fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startWithMessages();
}, 60_000);
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const MESSAGES = [PLAIN, MULTIPART, BIG];

/** The literal after `label {n}` CRLF in the answer of message `seq`. */
function literalOf(answer: string, seq: number, label: string): string {
  const from = answer.indexOf(`* ${seq} FETCH (`);
  const at = answer.indexOf(`${label} {`, from);
  const open = answer.indexOf('}\r\n', at);
  const size = Number(answer.slice(at + label.length + 2, open));
  return answer.slice(open + 3, open + 3 + size);
}

describe('FETCH of the whole message', () => {
  it('reads no summary, and answers the file\'s bytes as with the summary loaded', async () => {
    const summaries = vi.spyOn(MessageReader.prototype, 'summaries');
    const c = await fredIn(server, 'EXAMINE INBOX');
    const whole = await rawCommand(c, 'a', 'FETCH 1:3 (BODY.PEEK[] RFC822 BINARY.PEEK[] BINARY.SIZE[] RFC822.SIZE)');
    expect(summaries).not.toHaveBeenCalled();
    const withSummary = await rawCommand(c, 'b', 'FETCH 1:3 (BODY.PEEK[] RFC822 BINARY.PEEK[] BINARY.SIZE[] BODY.PEEK[1])');
    expect(summaries).toHaveBeenCalled();
    for (const [k, message] of MESSAGES.entries()) {
      for (const label of ['BODY[]', 'RFC822', 'BINARY[]']) {
        expect(literalOf(whole, k + 1, label) === message.toString('latin1'), `${k + 1} ${label}`).toBe(true);
        expect(literalOf(withSummary, k + 1, label) === message.toString('latin1'), `${k + 1} ${label} with the summary`).toBe(true);
      }
      expect(whole).toContain(`BINARY.SIZE[] ${message.length} RFC822.SIZE ${message.length})`);
    }
    c.close();
  });

  it('reads a small message without the thread pool', async () => {
    const open = vi.spyOn(fsp, 'open');
    const c = await fredIn(server, 'EXAMINE INBOX');
    const answer = await rawCommand(c, 'a', 'FETCH 1:2 (BODY.PEEK[] BODY.PEEK[1])');
    expect(literalOf(answer, 2, 'BODY[]') === MULTIPART.toString('latin1')).toBe(true);
    expect(open).not.toHaveBeenCalled();
    c.close();
  });

  it('reads the user\'s seen state only when flags are answered or set', async () => {
    const c = await fredIn(server, 'EXAMINE INBOX');
    const seen = vi.spyOn(SeenStore.prototype, 'seen');
    await rawCommand(c, 'a', 'FETCH 1:2 (BODY.PEEK[] RFC822.SIZE)');
    expect(seen).not.toHaveBeenCalled();
    expect(await rawCommand(c, 'b', 'FETCH 1 (FLAGS BODY.PEEK[])')).toMatch(/FLAGS \(\\Seen[ )]/);
    // fred owns INBOX: his \Seen is the records' bit, so even FLAGS reads no seen state.
    expect(seen).not.toHaveBeenCalled();
    c.close();
  });

  it('still reads the summary for a part or a header', async () => {
    const summaries = vi.spyOn(MessageReader.prototype, 'summaries');
    const c = await fredIn(server, 'EXAMINE INBOX');
    const answer = await rawCommand(c, 'a', 'FETCH 2 (BODY.PEEK[1] BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
    expect(summaries).toHaveBeenCalled();
    expect(answer).toContain('BODY[HEADER.FIELDS (SUBJECT)] {');
    expect(answer).toContain('Un caf=C3=A9 noir');
    c.close();
  });
});
