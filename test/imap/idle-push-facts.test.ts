/**
 * Issue 16, IDLE push from an append's facts: an append committed in another process tells what it
 * did with the change (src/common/append-facts.ts); an IDLE session whose view is exactly the state
 * before it says `* N EXISTS` without any SQLite statement first, then claims \Recent and syncs. A
 * session whose view is not that state (a change it has not heard of) syncs from the index as
 * before, and sequence numbers and \Recent come out right either way.
 *
 * The seam: every better-sqlite3 statement run in this process (the server is in-process) is
 * counted, and the count is taken when the change reaches the server and when the session queues
 * its EXISTS.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import type { AppendFacts } from '../../src/common/index.js';
import { ImapServer } from '../../src/imap/server.js';
import { ResponseWriter } from '../../src/imap/session/writer.js';
import { MailStore } from '../../src/store/index.js';
import { ensureBuilt, RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

/** Statements run in this process so far. */
let statements = 0;
/** Per change that reached the server: whether it carried facts, and the statement count then. */
let arrivals: Array<{ facts: boolean; at: number }> = [];
/** The statement count when each EXISTS was queued for a client. */
let existsQueued: number[] = [];
const restore: Array<() => void> = [];

function wrap<T extends object>(target: T, name: string, before: (args: unknown[]) => void): void {
  const original = (target as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
  (target as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
    before(args);
    return original.apply(this, args);
  };
  restore.push(() => ((target as Record<string, unknown>)[name] = original));
}

beforeAll(() => {
  ensureBuilt();
  const probe = new Database(':memory:');
  const statement = Object.getPrototypeOf(probe.prepare('SELECT 1')) as object;
  probe.close();
  for (const name of ['run', 'get', 'all', 'iterate']) wrap(statement, name, () => statements++);
  wrap(Database.prototype, 'exec', () => statements++);
  wrap(ImapServer.prototype, 'mailboxChanged', (args) => arrivals.push({ facts: args[1] !== undefined, at: statements }));
  wrap(ResponseWriter.prototype, 'send', (args) => {
    if (/^\* \d+ EXISTS\r\n/m.test(String(args[0]))) existsQueued.push(statements);
  });
}, 120_000);
afterAll(() => {
  for (const undo of restore.reverse()) undo();
});
beforeEach(async () => {
  server = await startTestServer({ notify: true });
  // Only the change notification may wake IDLE here: the slow safety-net poll is out of the way.
  server.imap.deps.limits.idlePollMs = 3_600_000;
  arrivals = [];
  existsQueued = [];
});
afterEach(async () => {
  await server.close();
});

const child = join(import.meta.dirname, 'fixtures', 'append-child.mjs');

/** `count` appends to fred's INBOX from another process (which publishes each with its facts). */
async function appendFromChild(count: number): Promise<void> {
  await promisify(execFile)(process.execPath, [child, join(server.dir, 'imapd.conf'), 'user.fred', String(count)]);
}

/** A store of this process that publishes nothing: its changes reach no session (until a sync). */
async function unannounced(change: (store: MailStore) => Promise<void> | void): Promise<void> {
  const quiet = MailStore.open({ config: server.config, logger: silentLogger() });
  try {
    await change(quiet);
  } finally {
    quiet.close();
  }
}

function message(subject: string): Buffer {
  return Buffer.from(`From: a@example.com\r\nSubject: ${subject}\r\n\r\nbody\r\n`);
}

/** A client idling on fred's INBOX; `before` runs after its login (which creates the INBOX) and before SELECT. */
async function idling(before?: () => Promise<void>): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  await c.command('a', 'LOGIN fred pass');
  await before?.();
  await c.command('b', 'SELECT INBOX');
  c.write('i IDLE\r\n');
  expect(await c.readLine()).toBe('+ idling');
  return c;
}

/** DONE, then the client's view: `UID FETCH 1:* (FLAGS)` lines. */
async function doneAndFetch(c: RawClient): Promise<string[]> {
  c.write('DONE\r\n');
  expect((await c.readUntil((l) => l.startsWith('i '))).at(-1)).toMatch(/^i OK/);
  const lines = await c.command('f', 'FETCH 1:* (UID FLAGS)');
  expect(lines.at(-1)).toMatch(/^f OK/);
  return lines.filter((l) => l.startsWith('* ') && l.includes(' FETCH '));
}

/** Whether the push of the change that carried facts queued its EXISTS before any statement ran. */
function pushedWithoutReading(): boolean {
  const arrival = arrivals.find((a) => a.facts);
  expect(arrival).toBeDefined();
  const exists = existsQueued.find((n) => n >= arrival!.at);
  expect(exists).toBeDefined();
  return exists === arrival!.at;
}

describe('IDLE push from an append told with its facts', () => {
  it('says EXISTS without a statement run first, then RECENT; the view and \\Recent are right', async () => {
    const c = await idling(() =>
      unannounced(async (store) => {
        const box = store.openMailbox('user.fred');
        await box.append([{ content: message('before') }]);
        box.close();
      }),
    );
    await appendFromChild(1);
    const lines = await c.readUntil((l) => l === '* 2 RECENT', 5000);
    expect(lines).toEqual(['* 2 EXISTS', '* 2 RECENT']);
    expect(pushedWithoutReading()).toBe(true);
    // Both claimed by this session (the first at SELECT): \Recent on both, no other session gets them.
    expect(await doneAndFetch(c)).toEqual(['* 1 FETCH (UID 1 FLAGS (\\Recent))', '* 2 FETCH (UID 2 FLAGS (\\Recent))']);
    const other = await RawClient.connect(server.port);
    await other.command('a', 'LOGIN fred pass');
    const selected = await other.command('b', 'SELECT INBOX');
    expect(selected).toContain('* 2 EXISTS');
    expect(selected).toContain('* 0 RECENT');
    other.close();
    c.close();
  });

  it('pushes each of several appends in a row from its facts', async () => {
    const c = await idling();
    await appendFromChild(3);
    const lines = await c.readUntil((l) => l === '* 3 RECENT', 5000);
    expect(lines.filter((l) => l.endsWith(' EXISTS')).at(-1)).toBe('* 3 EXISTS');
    // The first push (the session at rest) without a statement before its EXISTS. A later append
    // may be told while the session still claims \Recent for the one before: its wake then runs
    // after statements, or finds the view already past it (the sync after the claim read it).
    expect(pushedWithoutReading()).toBe(true);
    expect(await doneAndFetch(c)).toEqual([1, 2, 3].map((n) => `* ${n} FETCH (UID ${n} FLAGS (\\Recent))`));
    c.close();
  });

  it('reads the index when an expunge it has not heard of came before the append', async () => {
    const c = await idling(() =>
      unannounced(async (store) => {
        const box = store.openMailbox('user.fred');
        await box.append([{ content: message('one') }, { content: message('two') }]);
        box.close();
      }),
    );
    await unannounced((store) => {
      const box = store.openMailbox('user.fred');
      box.setFlags([1], 'add', ['\\Deleted']);
      box.expunge();
      box.close();
    });
    await appendFromChild(1);
    const lines = await c.readUntil((l) => /^\* \d+ RECENT$/.test(l), 5000);
    expect(lines).toEqual(['* 1 EXPUNGE', '* 2 EXISTS', '* 2 RECENT']);
    expect(pushedWithoutReading()).toBe(false);
    expect(await doneAndFetch(c)).toEqual(['* 1 FETCH (UID 2 FLAGS (\\Recent))', '* 2 FETCH (UID 3 FLAGS (\\Recent))']);
    c.close();
  });

  it('reads the index when a flag change it has not heard of came before the append', async () => {
    const c = await idling(() =>
      unannounced(async (store) => {
        const box = store.openMailbox('user.fred');
        await box.append([{ content: message('one') }]);
        box.close();
      }),
    );
    await unannounced((store) => {
      const box = store.openMailbox('user.fred');
      box.setFlags([1], 'add', ['\\Flagged']);
      box.close();
    });
    await appendFromChild(1);
    const lines = await c.readUntil((l) => /^\* \d+ RECENT$/.test(l), 5000);
    expect(lines).toEqual(['* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))', '* 2 EXISTS', '* 2 RECENT']);
    expect(pushedWithoutReading()).toBe(false);
    c.close();
  });

  it('reads the index when another append it has not heard of came in between (both numbered in order)', async () => {
    const c = await idling();
    await unannounced(async (store) => {
      const box = store.openMailbox('user.fred');
      await box.append([{ content: message('unannounced') }]);
      box.close();
    });
    await appendFromChild(1);
    const lines = await c.readUntil((l) => /^\* \d+ RECENT$/.test(l), 5000);
    expect(lines).toEqual(['* 2 EXISTS', '* 2 RECENT']);
    expect(pushedWithoutReading()).toBe(false);
    expect(await doneAndFetch(c)).toEqual(['* 1 FETCH (UID 1 FLAGS (\\Recent))', '* 2 FETCH (UID 2 FLAGS (\\Recent))']);
    c.close();
  });

  it('ignores facts it is told late or twice (the view is past them): nothing is numbered twice', async () => {
    const c = await idling();
    await appendFromChild(1);
    await c.readUntil((l) => l === '* 1 RECENT', 5000);
    // The same append's facts again, as a late relay would bring them.
    const first = arrivals.length;
    const box = server.imap.deps.store.openMailbox('user.fred');
    const facts: AppendFacts = { uniqueId: box.uniqueId, uidValidity: box.status().uidValidity, modseqBefore: box.status().highestModseq - 1, modseqAfter: box.status().highestModseq, firstUid: 1, lastUid: 1, keywords: false };
    box.close();
    server.imap.mailboxChanged('user.fred', facts);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(arrivals.length).toBe(first + 1);
    expect(await doneAndFetch(c)).toEqual(['* 1 FETCH (UID 1 FLAGS (\\Recent))']);
    c.close();
  });
});
