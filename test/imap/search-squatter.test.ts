/**
 * squatter and SEARCH over the wire: mail stored before search_engine was switched on is read from
 * its files by SEARCH BODY until squatter has indexed it; afterwards the index answers, reading no
 * file (a file changed behind the server's back shows it: the indexed text still matches).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { MessageReader } from '../../src/mailbox/reader.js';
import { MailStore } from '../../src/store/index.js';
import { runSquatter } from '../../src/tools/squatter.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

async function search(criteria: string): Promise<string> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
  expect((await c.command('s', 'EXAMINE INBOX')).at(-1)).toMatch(/^s OK/);
  const lines = await c.command('q', `SEARCH ${criteria}`);
  c.close();
  expect(lines.at(-1), criteria).toMatch(/^q OK/);
  return lines.find((l) => l.startsWith('* SEARCH')) ?? '';
}

/** SEARCH with message reads counted. */
async function searchCountingReads(criteria: string): Promise<{ result: string; reads: number }> {
  const reads = vi.spyOn(MessageReader.prototype, 'readMessage');
  try {
    const result = await search(criteria);
    return { result, reads: reads.mock.calls.length };
  } finally {
    reads.mockRestore();
  }
}

beforeAll(async () => {
  server = await startTestServer({ conf: ['search_engine: xapian'] });
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
  c.close();
  // Three messages stored as by a server without search_engine (the same spool, search_engine none).
  const offConf = join(server.dir, 'imapd-off.conf');
  writeFileSync(offConf, `${readFileSync(join(server.dir, 'imapd.conf'), 'utf8')}\nsearch_engine: none\n`);
  const store = MailStore.open({ config: ImapdConfig.load(offConf) });
  const box = store.openMailbox('user.fred');
  await box.append([1, 2, 3].map((i) => ({ content: Buffer.from(`From: a@example.com\r\nSubject: old ${i}\r\n\r\nAn old walrus, number ${i}.\r\n`) })));
  box.close();
  store.close();
}, 60_000);
afterAll(async () => {
  await server.close();
});

describe('squatter and SEARCH', () => {
  it('answers BODY of mail from before search_engine from the index once squatter has run, reading no file', async () => {
    const unindexed = await searchCountingReads('BODY walrus');
    expect(unindexed.result).toBe('* SEARCH 1 2 3');
    expect(unindexed.reads).toBe(3);

    let err = '';
    expect(await runSquatter(['user/fred'], { config: join(server.dir, 'imapd.conf') }, () => undefined, (t) => (err += t))).toBe(0);
    expect(err).toBe('');

    const indexed = await searchCountingReads('BODY walrus');
    expect(indexed).toEqual({ result: '* SEARCH 1 2 3', reads: 0 });
    expect(await searchCountingReads('TEXT "number 2"')).toEqual({ result: '* SEARCH 2', reads: 0 });

    // Message 1's file changed behind the server's back: the index still holds its old text.
    const store = server.imap.deps.store;
    const box = store.openMailbox('user.fred');
    const file = box.messagePath(1);
    box.close();
    writeFileSync(file, readFileSync(file, 'latin1').replace('walrus', 'badger'), 'latin1');
    expect(await searchCountingReads('BODY walrus')).toEqual({ result: '* SEARCH 1 2 3', reads: 0 });
    expect(await searchCountingReads('BODY badger')).toEqual({ result: '* SEARCH', reads: 0 });
  });
});
