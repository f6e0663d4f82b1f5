// SEARCH by one flag key alone takes a direct path (search/flag-only.ts); `KEY ALL` is the same
// criteria through the general path (run.ts). Two sessions selected at the same moment have the same
// view, so one asks the first form and the other the second, and the lines must be equal: owner and
// another user (\Seen is per user), expunges and appends by a third session not yet told, CONDSTORE.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from '../harness.js';

let server: TestServer;
const MAILBOX = 'user.fred.Flags';

function message(i: number): Buffer {
  return Buffer.from(`From: a${i}@example.com\r\nSubject: m${i}\r\n\r\nbody ${i}\r\n`);
}

beforeEach(async () => {
  server = await startTestServer({ users: ['fred', 'joe', 'admin'] });
  const store = server.imap.deps.store;
  store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  store.createMailbox(MAILBOX, { acl: 'fred\tlrswipkxtecdan\tjoe\tlrswi\t' });
  const box = store.openMailbox(MAILBOX);
  try {
    const items = Array.from({ length: 60 }, (_, i) => ({
      content: message(i),
      flags: [
        ...(i % 2 === 0 ? ['\\Seen'] : []), ...(i % 3 === 0 ? ['\\Flagged'] : []), ...(i % 5 === 0 ? ['\\Deleted'] : []),
        ...(i % 7 === 0 ? ['\\Answered', '$Work'] : []), ...(i % 11 === 0 ? ['\\Draft'] : []),
      ],
    }));
    await box.append(items, { userid: 'fred' });
    // joe's own \Seen: another set than fred's
    box.setFlags([3, 4, 5, 9, 10, 40], 'add', ['\\Seen'], { userid: 'joe' });
  } finally {
    box.close();
  }
}, 60_000);
afterEach(async () => {
  await server.close();
});

const KEYS = [
  'SEEN', 'UNSEEN', 'FLAGGED', 'UNFLAGGED', 'DELETED', 'UNDELETED', 'ANSWERED', 'UNANSWERED', 'DRAFT', 'UNDRAFT',
  'KEYWORD $Work', 'UNKEYWORD $Work', 'KEYWORD $work', 'KEYWORD $Absent', 'NOT SEEN', 'NOT NOT FLAGGED', '(UNSEEN)',
];

async function session(user: string, ...setup: string[]): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', `LOGIN ${user} pass`)).at(-1)).toMatch(/^l OK/);
  for (const command of setup) expect((await c.command('s', command)).at(-1)).toMatch(/^s OK/);
  return c;
}

/** The `* SEARCH` line of `command` (there is exactly one). */
async function searchLine(c: RawClient, command: string): Promise<string> {
  const lines = await c.command('q', command);
  expect(lines.at(-1), command).toMatch(/^q OK/);
  const found = lines.filter((l) => l.startsWith('* SEARCH'));
  expect(found, command).toHaveLength(1);
  return found[0]!;
}

/** For each key and both SEARCH and UID SEARCH: `fast` answers KEY, `general` KEY ALL; the lines must match. */
async function compare(fast: RawClient, general: RawClient): Promise<string[]> {
  const lines: string[] = [];
  for (const key of KEYS) {
    for (const prefix of ['SEARCH', 'UID SEARCH']) {
      const a = await searchLine(fast, `${prefix} ${key}`);
      const b = await searchLine(general, `${prefix} ${key} ALL`);
      expect(a, `${prefix} ${key}`).toBe(b);
      lines.push(a);
    }
  }
  return lines;
}

describe('SEARCH by one flag key (direct path) answers as the general path', () => {
  it('for the owner and for another user, whose \\Seen is their own', async () => {
    const fredFast = await session('fred', `SELECT ${'Flags'}`);
    const fredGeneral = await session('fred', 'EXAMINE Flags');
    const fred = await compare(fredFast, fredGeneral);
    const joeFast = await session('joe', 'SELECT "Other Users/fred/Flags"');
    const joeGeneral = await session('joe', 'EXAMINE "Other Users/fred/Flags"');
    const joe = await compare(joeFast, joeGeneral);
    // UNSEEN differs between the two users, and is what each stored
    expect(fred[2]).not.toBe(joe[2]);
    expect(joe[3]).not.toMatch(/ (3|4|5|9|10|40)( |$)/);
    expect(fred[3]).toMatch(/^\* SEARCH 2 4 6 /);
    for (const c of [fredFast, fredGeneral, joeFast, joeGeneral]) c.close();
  });

  it('while another session expunged and appended messages this one was not told of yet', async () => {
    const fast = await session('fred', 'SELECT Flags');
    const general = await session('fred', 'SELECT Flags');
    const other = await session('fred', 'SELECT Flags');
    // \Deleted on every fifth message: expunged in the store, still numbered in fast and general
    expect((await other.command('x', 'EXPUNGE')).at(-1)).toMatch(/^x OK/);
    const box = server.imap.deps.store.openMailbox(MAILBOX);
    try {
      await box.append([{ content: message(100), flags: ['\\Flagged'] }, { content: message(101), flags: ['\\Seen'] }], { userid: 'fred' });
      box.setFlags([2, 8], 'add', ['\\Seen'], { userid: 'fred' });
    } finally {
      box.close();
    }
    // The new messages are not in the view yet (the first command's sync tells of them): neither
    // path names them, and the expunged ones (numbered still) are not found either.
    const first = await searchLine(fast, 'SEARCH FLAGGED');
    expect(first).toBe(await searchLine(general, 'SEARCH FLAGGED ALL'));
    expect(first).toBe('* SEARCH 4 7 10 13 19 22 25 28 34 37 40 43 49 52 55 58');
    // Non-UID SEARCH keeps the expunged numbered: compare before any UID command tells of them.
    for (const key of KEYS) {
      const a = await searchLine(fast, `SEARCH ${key}`);
      const b = await searchLine(general, `SEARCH ${key} ALL`);
      expect(a, key).toBe(b);
    }
    // Then the UID forms (which may tell of the expunges afterwards) and everything again.
    await compare(fast, general);
    for (const c of [fast, general, other]) c.close();
  });

  it('with CONDSTORE on (no MODSEQ key: no MODSEQ in the answer)', async () => {
    const fast = await session('fred', 'ENABLE CONDSTORE', 'SELECT Flags');
    const general = await session('fred', 'ENABLE CONDSTORE', 'SELECT Flags');
    const other = await session('fred', 'SELECT Flags');
    await other.command('y', 'STORE 1:10 -FLAGS.SILENT (\\Seen)');
    const lines = await compare(fast, general);
    expect(lines.some((l) => l.includes('MODSEQ'))).toBe(false);
    for (const c of [fast, general, other]) c.close();
  });
});

describe('searchBytes', () => {
  it('gives each response bytes of its own (a later search does not write over an earlier answer)', async () => {
    const { searchBytes } = await import('../../../src/imap/commands/message/search/flag-only.js');
    const { FLAG_SEEN } = await import('../../../src/mailbox/index.js');
    const uids = Uint32Array.from({ length: 2000 }, (_, i) => i + 1);
    const snapshot = { count: uids.length, uids, systemFlags: Uint8Array.from(uids, (u) => (u % 2 === 0 ? FLAG_SEEN : 0)), keywords: [] };
    const seen = searchBytes(uids, snapshot as never, { bit: FLAG_SEEN, keyword: null, set: true }, true);
    const seenText = seen.toString('latin1');
    expect(seenText.startsWith('* SEARCH 2 4 6 ')).toBe(true);
    const unseen = searchBytes(uids, snapshot as never, { bit: FLAG_SEEN, keyword: null, set: false }, true);
    expect(unseen.toString('latin1').startsWith('* SEARCH 1 3 5 ')).toBe(true);
    expect(seen.toString('latin1') === seenText).toBe(true);
  });
});
