/**
 * ANNOTATE-EXPERIMENT-1 (RFC 5257) on the wire: FETCH / STORE / SEARCH ANNOTATION, private and
 * shared values seen by two users of one mailbox, rights refusals, the modseq a change gives,
 * EXPUNGE dropping them, COPY and MOVE carrying them, bad input changing nothing.
 *
 * One server for the file; every test logs in its own sessions and works on mailboxes of its own,
 * so each passes alone and in any order.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
const BODY = 'Subject: one\r\n\r\nbody\r\n';

/** Sessions opened by the running test; closed after it. */
const sessions: RawClient[] = [];
let boxes = 0;

const last = (lines: string[]): string => lines.at(-1)!;

async function append(c: RawClient, box: string, body: string): Promise<void> {
  c.write(`ap APPEND ${box} {${body.length}+}\r\n${body}\r\n`);
  expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
}

/** A fresh session of `user`, logged in; SELECTs `select` and ENABLEs CONDSTORE when asked. */
async function login(user: 'ann' | 'bob', opts: { select?: string; condstore?: boolean } = {}): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  sessions.push(c);
  expect(last(await c.command('l', `LOGIN ${user} pass`))).toMatch(/^l OK/);
  if (opts.select) expect(last(await c.command('s', `SELECT ${opts.select}`))).toMatch(/^s OK/);
  if (opts.condstore) expect(last(await c.command('e', 'ENABLE CONDSTORE'))).toMatch(/^e OK/);
  return c;
}

interface Box {
  /** ann's name for it (INBOX/...). */
  mine: string;
  /** bob's name for it (user/ann/...). */
  theirs: string;
  /** The internal name, for the store. */
  internal: string;
}

/** A new mailbox of ann's holding `messages` messages; bob gets `bobRights` on it when given. */
async function makeBox(messages: number, bobRights?: string): Promise<Box> {
  const leaf = `t${++boxes}`;
  const box = { mine: `INBOX/${leaf}`, theirs: `user/ann/${leaf}`, internal: `user.ann.${leaf}` };
  const c = await RawClient.connect(server.port);
  try {
    expect(last(await c.command('l', 'LOGIN ann pass'))).toMatch(/^l OK/);
    expect(last(await c.command('c', `CREATE ${box.mine}`))).toMatch(/^c OK/);
    for (let i = 0; i < messages; i++) await append(c, box.mine, BODY);
    if (bobRights) expect(last(await c.command('a', `SETACL ${box.mine} bob ${bobRights}`))).toMatch(/^a OK/);
  } finally {
    c.close();
  }
  return box;
}

beforeAll(async () => {
  server = await startTestServer({ users: ['ann', 'bob'], conf: ['unixhierarchysep: yes', 'altnamespace: no'] });
});
afterEach(() => {
  for (const c of sessions.splice(0)) c.close();
});
afterAll(async () => {
  await server.close();
});

describe('ANNOTATE-EXPERIMENT-1', () => {
  it('is advertised; FETCH answers NIL for unset values, as Cyrus does', async () => {
    const team = await makeBox(1);
    const ann = await login('ann');
    expect((await ann.command('cap', 'CAPABILITY'))[0]).toMatch(/ ANNOTATE-EXPERIMENT-1( |$)/);
    // RFC 5257 4.1: SELECT names the largest value (as Cyrus: 65536).
    expect(await ann.command('s', `SELECT ${team.mine}`)).toContain('* OK [ANNOTATIONS 65536] Ok');
    expect(await ann.command('f', 'FETCH 1 (ANNOTATION (/comment (value.priv value.shared)))')).toEqual([
      '* 1 FETCH (ANNOTATION (/comment (value.priv NIL value.shared NIL)))',
      'f OK FETCH completed',
    ]);
  });

  it('STORE sets private and shared values with one new MODSEQ; FETCH, wildcards and size read them', async () => {
    const team = await makeBox(3);
    const ann = await login('ann', { select: team.mine, condstore: true });
    const status = await ann.command('m', `STATUS ${team.mine} (HIGHESTMODSEQ)`);
    const modseq = Number(/HIGHESTMODSEQ (\d+)/.exec(status[0]!)![1]);
    const stored = await ann.command('st', 'STORE 1 ANNOTATION (/comment (value.priv "mine" value.shared "ours"))');
    expect(stored).toEqual([`* 1 FETCH (UID 1 MODSEQ (${modseq + 1}))`, 'st OK STORE completed']);
    expect((await ann.command('m2', 'FETCH 1:3 (MODSEQ)')).filter((l) => l.includes(`MODSEQ (${modseq + 1})`))).toEqual([`* 1 FETCH (MODSEQ (${modseq + 1}))`]);
    expect((await ann.command('f', 'FETCH 1 (ANNOTATION (/comment (value size)))'))[0]).toBe(
      '* 1 FETCH (ANNOTATION (/comment (value.priv "mine" value.shared "ours" size.priv "4" size.shared "4")))',
    );
    expect((await ann.command('f2', 'FETCH 1 (ANNOTATION (/% value.shared))'))[0]).toBe(
      '* 1 FETCH (ANNOTATION (/comment (value.shared "ours") /altsubject (value.shared NIL)))',
    );
    // A CONDSTORE client sees the change with CHANGEDSINCE.
    expect((await ann.command('cs', `FETCH 1:* (UID) (CHANGEDSINCE ${modseq})`))[0]).toBe(`* 1 FETCH (UID 1 MODSEQ (${modseq + 1}))`);
  });

  it('another session with the mailbox selected hears of the change (its new MODSEQ)', async () => {
    const team = await makeBox(3, 'lrs');
    const ann = await login('ann', { select: team.mine, condstore: true });
    const bob = await login('bob', { select: team.theirs, condstore: true });
    bob.write('i IDLE\r\n');
    expect(await bob.readLine()).toBe('+ idling');
    expect(last(await ann.command('st', 'STORE 3 ANNOTATION (/altsubject (value.shared "alt"))'))).toMatch(/^st OK/);
    const modseq = /MODSEQ \((\d+)\)/.exec((await ann.command('m', 'FETCH 3 (MODSEQ)'))[0]!)![1];
    // Pushed while idling, well before any poll.
    const heard = await bob.readUntil((l) => l.startsWith('* 3 FETCH'), 1000);
    expect(heard.at(-1)).toContain(`MODSEQ (${modseq})`);
    bob.write('DONE\r\n');
    expect(last(await bob.readUntil((l) => l.startsWith('i ')))).toMatch(/^i OK/);
  });

  it('another user of the mailbox sees the shared value and not the private one, and keeps their own', async () => {
    const team = await makeBox(1, 'lrs');
    const ann = await login('ann', { select: team.mine, condstore: true });
    expect(last(await ann.command('st0', 'STORE 1 ANNOTATION (/comment (value.priv "mine" value.shared "ours"))'))).toMatch(/^st0 OK/);
    const bob = await login('bob', { select: team.theirs });
    expect((await bob.command('f', 'FETCH 1 (ANNOTATION (/comment value))'))[0]).toBe('* 1 FETCH (ANNOTATION (/comment (value.priv NIL value.shared "ours")))');
    expect(last(await bob.command('st', 'STORE 1 ANNOTATION (/comment (value.priv "bobs"))'))).toMatch(/^st OK/);
    expect((await bob.command('f2', 'FETCH 1 (ANNOTATION (/comment value.priv))'))[0]).toBe('* 1 FETCH (ANNOTATION (/comment (value.priv "bobs")))');
    expect((await ann.command('f3', 'FETCH 1 (ANNOTATION (/comment value.priv))'))[0]).toBe('* 1 FETCH (ANNOTATION (/comment (value.priv "mine")))');
  });

  it("writing a shared value needs 'n' and a private one 'r'; refused, nothing changes", async () => {
    const team = await makeBox(2, 'lrs');
    const ann = await login('ann', { select: team.mine });
    const bob = await login('bob', { select: team.theirs });
    expect(last(await bob.command('st', 'STORE 2 ANNOTATION (/comment (value.shared "x"))'))).toMatch(/^st NO \[NOPERM\]/);
    expect((await bob.command('f', 'FETCH 2 (ANNOTATION (/comment value.shared))'))[0]).toBe('* 2 FETCH (ANNOTATION (/comment (value.shared NIL)))');
    expect(last(await ann.command('a', `SETACL ${team.mine} bob ls`))).toMatch(/^a OK/);
    expect(last(await bob.command('st2', 'STORE 2 ANNOTATION (/comment (value.priv "x"))'))).toMatch(/^st2 NO \[NOPERM\]/);
    expect(last(await bob.command('f2', 'FETCH 2 (ANNOTATION (/comment value.priv))'))).toMatch(/^f2 NO \[NOPERM\]/);
    expect(last(await ann.command('a2', `SETACL ${team.mine} bob lrsn`))).toMatch(/^a2 OK/);
    expect(last(await bob.command('st3', 'STORE 2 ANNOTATION (/comment (value.shared "from bob"))'))).toMatch(/^st3 OK/);
    expect((await ann.command('f3', 'FETCH 2 (ANNOTATION (/comment value.shared))'))[0]).toBe('* 2 FETCH (ANNOTATION (/comment (value.shared "from bob")))');
  });

  it('SEARCH ANNOTATION matches a substring of the value the user sees', async () => {
    // 1: ann's private "mine", shared "ours", bob's private "bobs"; 2: shared "from bob"; 3: nothing.
    const team = await makeBox(3, 'lrsn');
    const ann = await login('ann', { select: team.mine });
    const bob = await login('bob', { select: team.theirs });
    expect(last(await ann.command('p1', 'STORE 1 ANNOTATION (/comment (value.priv "mine" value.shared "ours"))'))).toMatch(/^p1 OK/);
    expect(last(await bob.command('p2', 'STORE 1 ANNOTATION (/comment (value.priv "bobs"))'))).toMatch(/^p2 OK/);
    expect(last(await bob.command('p3', 'STORE 2 ANNOTATION (/comment (value.shared "from bob"))'))).toMatch(/^p3 OK/);
    // Take the updates bob's changes sent ann before the SEARCH whose whole answer is checked.
    expect(last(await ann.command('n', 'NOOP'))).toMatch(/^n OK/);
    expect(await ann.command('s1', 'SEARCH ANNOTATION /comment value.shared "OUR"')).toEqual(['* SEARCH 1', 's1 OK SEARCH completed']);
    expect((await ann.command('s2', 'SEARCH ANNOTATION /comment value "bob"'))[0]).toBe('* SEARCH 2');
    expect((await ann.command('s3', 'SEARCH ANNOTATION /comment value.priv "bobs"'))[0]).toBe('* SEARCH');
    expect((await bob.command('s4', 'SEARCH ANNOTATION /* value.priv "bobs"'))[0]).toBe('* SEARCH 1');
    expect((await ann.command('s5', 'SEARCH NOT ANNOTATION /comment value ""'))[0]).toBe('* SEARCH 3');
  });

  it('bad entries, attributes and values are refused and change nothing', async () => {
    const team = await makeBox(3);
    const ann = await login('ann', { select: team.mine, condstore: true });
    // A value to keep, and a modseq above 1 for UNCHANGEDSINCE 1 below.
    expect(last(await ann.command('p', 'STORE 1 ANNOTATION (/comment (value.priv "mine" value.shared "ours"))'))).toMatch(/^p OK/);
    const look = async (): Promise<string> => (await ann.command('f', 'FETCH 1 (MODSEQ ANNOTATION (/comment value))'))[0]!;
    const was = await look();
    expect(was).toContain('value.priv "mine" value.shared "ours"');
    expect(last(await ann.command('b1', 'STORE 1 ANNOTATION (/flags/seen (value.priv "x"))'))).toMatch(/^b1 NO \[NOPERM\]/);
    expect(last(await ann.command('b2', 'STORE 1 ANNOTATION (/comment (value.bogus "x"))'))).toMatch(/^b2 BAD/);
    expect(last(await ann.command('b2c', 'STORE 1 ANNOTATION (/vendor/cmu/cyrus-imapd/x (value.priv "x"))'))).toMatch(/^b2c NO \[NOPERM\]/);
    expect(last(await ann.command('b3', 'STORE 1 ANNOTATION (comment (value.priv "x"))'))).toMatch(/^b3 BAD/);
    expect(last(await ann.command('b4', 'STORE 1 ANNOTATION (/comment/ (value.priv "x"))'))).toMatch(/^b4 BAD/);
    expect(last(await ann.command('b5', 'STORE 1 ANNOTATION (/comment (value.priv "x")'))).toMatch(/^b5 BAD/);
    expect(last(await ann.command('b6', 'FETCH 1 (ANNOTATION (/comment value.bogus))'))).toMatch(/^b6 BAD/);
    // A good value beside a refused one: all or nothing.
    expect(last(await ann.command('b7', 'STORE 1 ANNOTATION (/comment (value.priv "changed") /flags/x (value.priv "x"))'))).toMatch(/^b7 NO/);
    const big = 'x'.repeat(64 * 1024 + 1);
    ann.write(`b8 STORE 1 ANNOTATION (/comment (value.priv {${big.length}+}\r\n${big}))\r\n`);
    expect(last(await ann.readUntil((l) => l.startsWith('b8 ')))).toMatch(/^b8 NO \[ANNOTATE TOOBIG\]/);
    // UNCHANGEDSINCE below the message's modseq (RFC 7162): refused as MODIFIED, nothing changes.
    expect(last(await ann.command('b9', 'STORE 1 (UNCHANGEDSINCE 1) ANNOTATION (/comment (value.priv "late"))'))).toMatch(/^b9 OK \[MODIFIED 1\]/);
    expect(await look()).toBe(was);
    // /vendor/ entries are the client's to use; NIL removes.
    expect(last(await ann.command('v', 'STORE 3 ANNOTATION (/vendor/example/tag (value.priv "v"))'))).toMatch(/^v OK/);
    expect((await ann.command('v2', 'FETCH 3 (ANNOTATION (/vendor/* value.priv))'))[0]).toBe('* 3 FETCH (ANNOTATION (/vendor/example/tag (value.priv "v")))');
    await ann.command('v3', 'STORE 3 ANNOTATION (/vendor/example/tag (value.priv NIL))');
    expect((await ann.command('v4', 'FETCH 3 (ANNOTATION (/vendor/* value.priv))'))[0]).toBe('* 3 FETCH (ANNOTATION ())');
  });

  it('APPEND ... ANNOTATION starts the message with the values; rights and reserved entries refuse the whole APPEND', async () => {
    const other = await makeBox(0);
    const ann = await login('ann', { condstore: true });
    const body = 'Subject: ap\r\n\r\nx\r\n';
    ann.write(`ap1 APPEND ${other.mine} (\\Seen) ANNOTATION (/comment (value.priv "p" value.shared "s") /altsubject (value.shared NIL)) {${body.length}+}\r\n${body}\r\n`);
    const done = last(await ann.readUntil((l) => l.startsWith('ap1 ')));
    expect(done).toMatch(/^ap1 OK \[APPENDUID \d+ 1\]/);
    // bob may insert but not write shared values ('n').
    expect(last(await ann.command('acl', `SETACL ${other.mine} bob lri`))).toMatch(/^acl OK/);
    const bob = await login('bob');
    bob.write(`ap2 APPEND ${other.theirs} ANNOTATION (/comment (value.shared "b")) {${body.length}+}\r\n${body}\r\n`);
    expect(last(await bob.readUntil((l) => l.startsWith('ap2 ')))).toMatch(/^ap2 NO \[NOPERM\]/);
    ann.write(`ap3 APPEND ${other.mine} ANNOTATION (/flags/x (value.shared "b")) {${body.length}+}\r\n${body}\r\n`);
    expect(last(await ann.readUntil((l) => l.startsWith('ap3 ')))).toMatch(/^ap3 NO \[NOPERM\]/);
    ann.write(`ap4 APPEND ${other.mine} ANNOTATION (/comment (value.bogus "b")) {${body.length}+}\r\n${body}\r\n`);
    expect(last(await ann.readUntil((l) => l.startsWith('ap4 ')))).toMatch(/^ap4 BAD/);
    await ann.command('s', `SELECT ${other.mine}`);
    expect(await ann.command('f', 'FETCH 1:* (FLAGS ANNOTATION (/comment value))')).toEqual([
      '* 1 FETCH (FLAGS (\\Seen \\Recent) ANNOTATION (/comment (value.priv "p" value.shared "s")))',
      'f OK FETCH completed',
    ]);
    expect(last(await ann.command('st', 'STORE 1 ANNOTATION (/comment (value.priv NIL value.shared NIL))'))).toMatch(/^st OK/);
  });

  it('COPY and MOVE carry the annotations (every user\'s); EXPUNGE drops them', async () => {
    // team 1: ann's private "mine", shared "ours", bob's private "bobs"; team 2: shared "from bob".
    const team = await makeBox(2, 'lrsn');
    const other = await makeBox(1);
    const gone = await makeBox(0);
    const ann = await login('ann', { select: team.mine, condstore: true });
    const bob = await login('bob', { select: team.theirs });
    expect(last(await ann.command('p1', 'STORE 1 ANNOTATION (/comment (value.priv "mine" value.shared "ours"))'))).toMatch(/^p1 OK/);
    expect(last(await bob.command('p2', 'STORE 1 ANNOTATION (/comment (value.priv "bobs"))'))).toMatch(/^p2 OK/);
    expect(last(await bob.command('p3', 'STORE 2 ANNOTATION (/comment (value.shared "from bob"))'))).toMatch(/^p3 OK/);
    expect(last(await ann.command('c', `COPY 1 ${other.mine}`))).toMatch(/^c OK/);
    expect(last(await ann.command('m', `MOVE 2 ${gone.mine}`))).toMatch(/^m OK/);
    await ann.command('s', `SELECT ${other.mine}`);
    expect((await ann.command('f', 'FETCH 2 (ANNOTATION (/comment value))'))[0]).toBe('* 2 FETCH (ANNOTATION (/comment (value.priv "mine" value.shared "ours")))');
    await ann.command('a', `SETACL ${other.mine} bob lr`);
    await bob.command('s', `SELECT ${other.theirs}`);
    expect((await bob.command('f', 'FETCH 2 (ANNOTATION (/comment value.priv))'))[0]).toBe('* 2 FETCH (ANNOTATION (/comment (value.priv "bobs")))');
    await ann.command('s2', `SELECT ${gone.mine}`);
    expect((await ann.command('f2', 'FETCH 1 (UID ANNOTATION (/comment value.shared))'))[0]).toMatch(/ANNOTATION \(\/comment \(value.shared "from bob"\)\)/);
    // Expunged: the record and its annotations go in one transaction (no row of that UID is left).
    const uid = Number(/UID (\d+)/.exec((await ann.command('u', 'FETCH 1 (UID)'))[0]!)![1]);
    const box = server.imap.deps.store.openMailbox(gone.internal);
    try {
      expect(box.annotations([uid], 'bob').get(uid)?.get('/comment')).toEqual({ shared: 'from bob', priv: null });
      await ann.command('d', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
      expect(last(await ann.command('x', 'EXPUNGE'))).toMatch(/^x OK/);
      expect(box.annotations([uid], 'bob').size).toBe(0);
      expect(box.annotations([uid], 'ann').size).toBe(0);
    } finally {
      box.close();
    }
  });
});
