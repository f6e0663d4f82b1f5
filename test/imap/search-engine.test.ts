/**
 * Issue 16: search_engine (Cyrus's option; squat or xapian here mean the FTS5 index in cyrus.index).
 * BODY / TEXT of three characters or more are answered from the index without reading a message
 * file, with the same answers as the scan of a server without it; shorter needles still scan.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MessageReader } from '../../src/mailbox/reader.js';
import { SEARCH_CORPUS, SEARCH_CRITERIA } from '../fixtures/messages/searchCorpus.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let indexed: TestServer;
let scanning: TestServer;

async function fill(server: TestServer): Promise<void> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
  c.close();
  const mailbox = server.imap.deps.store.openMailbox('user.fred');
  try {
    await mailbox.append(SEARCH_CORPUS.map((m) => ({ content: m.content })), { userid: 'fred' });
  } finally {
    mailbox.close();
  }
}

async function search(server: TestServer, criteria: string): Promise<string> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
  expect((await c.command('s', 'EXAMINE INBOX')).at(-1)).toMatch(/^s OK/);
  const lines = await c.command('q', `SEARCH CHARSET UTF-8 ${criteria}`);
  c.close();
  expect(lines.at(-1), criteria).toMatch(/^q OK/);
  return lines.find((l) => l.startsWith('* SEARCH')) ?? '';
}

const quoted = (value: string): string => `{${Buffer.byteLength(value)}+}\r\n${value}`;

beforeAll(async () => {
  indexed = await startTestServer({ conf: ['search_engine: xapian'] });
  scanning = await startTestServer();
  await fill(indexed);
  await fill(scanning);
}, 60_000);
afterAll(async () => {
  await indexed.close();
  await scanning.close();
});

describe('search_engine', () => {
  it('answers BODY and TEXT from the index as the scan does, reading no file', async () => {
    const criteria = [
      ...SEARCH_CRITERIA.filter((c) => c.key === 'BODY' || c.key === 'TEXT').map((c) => `${c.key} ${quoted(c.value)}`),
      'OR BODY quick TEXT "the quick"', 'NOT BODY alpha', 'TEXT "h\u00e5vard the"', 'BODY "quick\\" b"',
    ];
    for (const c of criteria) {
      const expected = await search(scanning, c);
      const reads = vi.spyOn(MessageReader.prototype, 'readMessage');
      try {
        expect(await search(indexed, c), c).toBe(expected);
        expect(reads, c).not.toHaveBeenCalled();
      } finally {
        reads.mockRestore();
      }
    }
  });

  it('still reads the files for a needle under three characters', async () => {
    const expected = await search(scanning, 'BODY et');
    const reads = vi.spyOn(MessageReader.prototype, 'readMessage');
    try {
      expect(await search(indexed, 'BODY et')).toBe(expected);
      expect(reads).toHaveBeenCalled();
    } finally {
      reads.mockRestore();
    }
  });
});
