/**
 * Issue 17, item 3: SEARCH has a cost bound (criteria count, evaluation budget answering
 * NO [LIMIT] before any work), lets the other sessions of the worker run while it works, and stops
 * when its client has gone.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MessageReader } from '../../src/mailbox/reader.js';
import { searchCommand } from '../../src/imap/commands/message/search/command.js';
import { SearchAbandoned } from '../../src/imap/commands/message/search/budget.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
const SMALL = 450; // under one batch of the search loop
const BIG = 3000;

async function fill(name: string, count: number): Promise<void> {
  const mailbox = server.imap.deps.store.openMailbox(name);
  try {
    for (let from = 0; from < count; from += 500) {
      const items = [];
      for (let i = from; i < Math.min(count, from + 500); i++) {
        items.push({ content: Buffer.from(`From: a${i}@example.org\r\nSubject: message ${i}\r\n\r\nbody ${i}\r\n`), flags: [] });
      }
      await mailbox.append(items, { userid: 'fred' });
    }
  } finally {
    mailbox.close();
  }
}

async function login(select: string | null): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
  if (select) expect((await c.command('s', `SELECT ${select}`)).at(-1)).toMatch(/^s OK/);
  return c;
}

/** A balanced OR tree of `n` keys that no message matches: every key is tested on every message. */
const orTree = (n: number): string => (n === 1 ? 'SUBJECT zzz' : `OR (${orTree(Math.floor(n / 2))}) (${orTree(n - Math.floor(n / 2))})`);

/** `n` keys that every message matches, so none is skipped by a short cut. */
const keys = (n: number, key = 'NOT SUBJECT zzz'): string => Array.from({ length: n }, () => key).join(' ');

beforeAll(async () => {
  server = await startTestServer({ conf: ['search_budget: 200000'] });
  const c = await login(null);
  for (const name of ['empty', 'small', 'big']) expect((await c.command('c', `CREATE ${name}`)).at(-1)).toMatch(/^c OK/);
  c.close();
  await fill('user.fred.small', SMALL);
  await fill('user.fred.big', BIG);
}, 60_000);
afterAll(async () => {
  await server.close();
});

describe('SEARCH cost bound', () => {
  it('refuses more criteria than search_maxcriteria with NO [LIMIT]', async () => {
    const c = await login('empty');
    expect((await c.command('a', `SEARCH ${keys(1001, 'SUBJECT x')}`)).at(-1)).toBe('a NO [LIMIT] Too many search criteria (at most 1000)');
    expect((await c.command('b', `SEARCH ${keys(1000, 'SUBJECT x')}`)).at(-1)).toBe('b OK SEARCH completed');
    c.close();
  });

  it('refuses a search over the evaluation budget before doing any work', async () => {
    const c = await login('big');
    const reads = vi.spyOn(MessageReader.prototype, 'readMessage');
    try {
      // 70 keys x 3000 messages = 210,000 tests > 200,000; BODY keys weigh 10: 7 x 10 x 3000 as well.
      expect((await c.command('a', `SEARCH ${keys(70)}`)).at(-1)).toBe('a NO [LIMIT] Search too costly for this mailbox; narrow the criteria');
      expect((await c.command('b', `SEARCH ${keys(7, 'BODY zzz')}`)).at(-1)).toBe('b NO [LIMIT] Search too costly for this mailbox; narrow the criteria');
      expect(reads).not.toHaveBeenCalled();
      expect((await c.command('c', `SEARCH ${keys(60)}`)).at(-1)).toBe('c OK SEARCH completed');
    } finally {
      reads.mockRestore();
    }
    c.close();
  });

  it('lets another session be answered while a long search runs', async () => {
    const searcher = await login('small');
    const other = await login(null);
    const started = vi.spyOn(searchCommand, 'handle');
    try {
      searcher.write(`a SEARCH ${orTree(200)}\r\n`);
      await vi.waitFor(() => expect(started).toHaveBeenCalled(), { timeout: 5000, interval: 1 });
      other.write('n NOOP\r\n');
      const order: string[] = [];
      await Promise.all([
        searcher.readUntil((l) => l.startsWith('a '), 30_000).then(() => order.push('search')),
        other.readUntil((l) => l.startsWith('n '), 30_000).then(() => order.push('noop')),
      ]);
      expect(order).toEqual(['noop', 'search']);
    } finally {
      started.mockRestore();
    }
    searcher.close();
    other.close();
  });

  it('stops the work when the client has gone', async () => {
    const c = await login('big');
    const started = vi.spyOn(searchCommand, 'handle');
    const batches = vi.spyOn(MessageReader.prototype, 'searchHeaders');
    try {
      c.write(`a SEARCH ${keys(60)}\r\n`);
      await vi.waitFor(() => expect(started).toHaveBeenCalled(), { timeout: 5000, interval: 1 });
      c.close();
      // It stops on its own at its next pause (not on a closed mailbox, not at the end).
      await expect(started.mock.results[0]!.value).rejects.toBeInstanceOf(SearchAbandoned);
      // A search to the end reads the header blocks of all six batches of 500.
      expect(batches.mock.calls.length).toBeLessThan(BIG / 500);
    } finally {
      started.mockRestore();
      batches.mockRestore();
    }
  });
});
