// A flag SEARCH of a big view is kept per process (search/flag-only.ts) and answered again while
// the index and the view are the same: any change, made by another process (its own SQLite
// connection) or by another session of this one, must show in the next answer, for the owner and
// for another user whose \Seen is kept apart.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from '../harness.js';

const COUNT = 1200; // above the size from which answers are kept
const MAILBOX = 'user.fred.Big';
let server: TestServer;

beforeEach(async () => {
  server = await startTestServer({ users: ['fred', 'joe'] });
  const store = server.imap.deps.store;
  store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  store.createMailbox(MAILBOX, { acl: 'fred\tlrswipkxtecdan\tjoe\tlrswi\t' });
  const box = store.openMailbox(MAILBOX);
  try {
    const items = Array.from({ length: COUNT }, (_, i) => ({
      content: Buffer.from(`From: a${i}@example.com\r\nSubject: m${i}\r\n\r\nbody\r\n`),
      flags: i % 2 === 0 ? ['\\Seen'] : [],
    }));
    await box.append(items, { userid: 'fred' });
  } finally {
    box.close();
  }
}, 60_000);
afterEach(async () => {
  await server.close();
});

async function session(user: string): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', `LOGIN ${user} pass`)).at(-1)).toMatch(/^l OK/);
  expect((await c.command('s', user === 'fred' ? 'SELECT Big' : 'SELECT "Other Users/fred/Big"')).at(-1)).toMatch(/^s OK/);
  return c;
}

/** The numbers of the `* SEARCH` line of `command`. */
async function hits(c: RawClient, command: string): Promise<number[]> {
  const lines = await c.command('q', command);
  expect(lines.at(-1), command).toMatch(/^q OK/);
  const line = lines.find((l) => l.startsWith('* SEARCH'))!;
  return line.split(' ').slice(2).map(Number);
}

const odd = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k).filter((uid) => uid % 2 === 0);

function otherProcess(...args: string[]): Promise<unknown> {
  return promisify(execFile)(process.execPath, [join(import.meta.dirname, '..', 'fixtures', 'flags-child.mjs'), join(server.dir, 'imapd.conf'), MAILBOX, ...args]);
}

describe('kept flag SEARCH answers', () => {
  it('show a change made by another process, and by another session', async () => {
    const c = await session('fred');
    // messages 2, 4, ... are unseen (the odd-numbered appends were \Seen)
    expect(await hits(c, 'UID SEARCH UNSEEN')).toEqual(odd(1, COUNT));
    expect(await hits(c, 'UID SEARCH UNSEEN')).toEqual(odd(1, COUNT));
    await otherProcess('fred', 'add', '\\Seen', '2', '1200');
    expect(await hits(c, 'UID SEARCH UNSEEN')).toEqual(odd(3, COUNT - 1));
    expect(await hits(c, 'SEARCH UNSEEN')).toEqual(odd(3, COUNT - 1));
    const d = await session('fred');
    expect((await d.command('t', 'UID STORE 4 +FLAGS.SILENT (\\Seen)')).at(-1)).toMatch(/^t OK/);
    expect(await hits(c, 'UID SEARCH UNSEEN')).toEqual(odd(5, COUNT - 1));
    // the other session's answer is its own (its view), the same numbers
    expect(await hits(d, 'UID SEARCH UNSEEN')).toEqual(odd(5, COUNT - 1));
    c.close();
    d.close();
  });

  it('show another user\'s \\Seen changed by another process', async () => {
    const j = await session('joe');
    expect(await hits(j, 'UID SEARCH SEEN')).toEqual([]);
    expect(await hits(j, 'UID SEARCH SEEN')).toEqual([]);
    await otherProcess('joe', 'add', '\\Seen', '7', '8');
    expect(await hits(j, 'UID SEARCH SEEN')).toEqual([7, 8]);
    await otherProcess('joe', 'remove', '\\Seen', '7');
    expect(await hits(j, 'UID SEARCH SEEN')).toEqual([8]);
    j.close();
  });

  it('follow an expunge in the session\'s view', async () => {
    const c = await session('fred');
    expect((await hits(c, 'SEARCH UNSEEN')).slice(0, 2)).toEqual([2, 4]);
    await otherProcess('fred', 'add', '\\Deleted', '1');
    expect((await c.command('e', 'EXPUNGE')).at(-1)).toMatch(/^e OK/);
    expect((await hits(c, 'SEARCH UNSEEN')).slice(0, 2)).toEqual([1, 3]);
    c.close();
  });
});
