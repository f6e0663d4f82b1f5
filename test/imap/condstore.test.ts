/** CONDSTORE (RFC 7162 section 3.1) on the wire: MODSEQ, CHANGEDSINCE, UNCHANGEDSINCE/MODIFIED, SEARCH MODSEQ, HIGHESTMODSEQ. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
const USERS = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9'];

beforeAll(async () => {
  server = await startTestServer({ users: USERS });
});
afterAll(async () => {
  await server.close();
});

async function login(user: string): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', `LOGIN ${user} pass`)).at(-1)).toMatch(/^l OK/);
  return c;
}

async function append(c: RawClient, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const body = `Subject: m${i}\r\n\r\nbody\r\n`;
    c.write(`ap APPEND INBOX {${body.length}+}\r\n${body}\r\n`);
    expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
  }
}

const modseqOf = (line: string): number => Number(/MODSEQ \((\d+)\)/.exec(line)![1]);
const highest = (lines: string[]): number => Number(/HIGHESTMODSEQ (\d+)/.exec(lines.find((l) => l.includes('HIGHESTMODSEQ'))!)![1]);

describe('CONDSTORE', () => {
  it('is advertised; SELECT (CONDSTORE) reports HIGHESTMODSEQ, a plain SELECT before any enabling does not', async () => {
    const c = await login('u1');
    expect((await c.command('c', 'CAPABILITY'))[0]).toMatch(/ CONDSTORE .*QRESYNC/);
    await append(c, 2);
    const plain = await c.command('s1', 'SELECT INBOX');
    expect(plain.some((l) => l.includes('HIGHESTMODSEQ'))).toBe(false);
    const selected = await c.command('s2', 'SELECT INBOX (CONDSTORE)');
    expect(selected.at(-1)).toBe('s2 OK [READ-WRITE] Completed');
    expect(highest(selected)).toBeGreaterThan(0);
    // Now enabled for the session: EXAMINE reports it too.
    expect((await c.command('s3', 'EXAMINE INBOX')).some((l) => l.startsWith('* OK [HIGHESTMODSEQ '))).toBe(true);
    c.close();
  });

  it('FETCH MODSEQ; one STORE gives every message it changes the same new modseq', async () => {
    const c = await login('u2');
    await append(c, 3);
    const sel = await c.command('s', 'SELECT INBOX (CONDSTORE)');
    const before = highest(sel);
    const fetched = await c.command('f', 'FETCH 1:3 (MODSEQ)');
    expect(fetched.filter((l) => / FETCH \(MODSEQ \(\d+\)\)$/.test(l))).toHaveLength(3);
    const stored = await c.command('st', 'STORE 1:3 +FLAGS (\\Flagged)');
    const lines = stored.filter((l) => l.includes(' FETCH '));
    expect(lines).toHaveLength(3);
    // Once CONDSTORE is on, the STORE's FETCH responses carry UID and MODSEQ (RFC 7162 3.1).
    for (const l of lines) expect(l).toMatch(/^\* \d FETCH \(UID \d+ FLAGS \(\\Flagged \\Recent\) MODSEQ \(\d+\)\)$/);
    expect(new Set(lines.map(modseqOf))).toEqual(new Set([before + 1]));
    // A STORE that changes nothing gives no new modseq.
    expect((await c.command('st2', 'STORE 1:3 +FLAGS (\\Flagged)')).filter((l) => l.includes(' FETCH '))).toHaveLength(0);
    expect(highest(await c.command('s2', 'SELECT INBOX'))).toBe(before + 1);
    c.close();
  });

  it('STORE (UNCHANGEDSINCE) refuses changed messages with MODIFIED (sequence numbers, or UIDs for UID STORE)', async () => {
    const c = await login('u3');
    await append(c, 4);
    const base = highest(await c.command('s', 'SELECT INBOX (CONDSTORE)'));
    await c.command('a', 'STORE 2 +FLAGS.SILENT ($Work)');
    const r = await c.command('b', `STORE 1:3 (UNCHANGEDSINCE ${base}) +FLAGS (\\Seen)`);
    expect(r.at(-1)).toBe('b OK [MODIFIED 2] Conditional STORE failed');
    expect(r.filter((l) => l.includes(' FETCH ')).map((l) => l.split(' ')[1])).toEqual(['1', '3']);
    const uids = await c.command('u', 'UID STORE 1:4 (UNCHANGEDSINCE 0) -FLAGS (\\Seen)');
    expect(uids.at(-1)).toBe('u OK [MODIFIED 1:4] Conditional STORE failed');
    // .SILENT still reports the new modseq under CONDSTORE (RFC 7162 3.1.3).
    const now = highest(await c.command('s2', 'SELECT INBOX'));
    const silent = await c.command('q', `STORE 4 (UNCHANGEDSINCE ${now}) +FLAGS.SILENT (\\Answered)`);
    expect(silent).toEqual([`* 4 FETCH (UID 4 MODSEQ (${now + 1}))`, 'q OK STORE completed']);
    c.close();
  });

  it('FETCH (CHANGEDSINCE) answers only the messages changed since, with MODSEQ', async () => {
    const c = await login('u4');
    await append(c, 5);
    const base = highest(await c.command('s', 'SELECT INBOX (CONDSTORE)'));
    await c.command('a', 'STORE 2,4 +FLAGS.SILENT (\\Deleted)');
    const r = await c.command('f', `FETCH 1:* (FLAGS) (CHANGEDSINCE ${base})`);
    expect(r.filter((l) => l.startsWith('* ')).map((l) => l.replace(/MODSEQ \(\d+\)/, 'MODSEQ (m)'))).toEqual([
      '* 2 FETCH (UID 2 FLAGS (\\Deleted \\Recent) MODSEQ (m))', '* 4 FETCH (UID 4 FLAGS (\\Deleted \\Recent) MODSEQ (m))',
    ]);
    const u = await c.command('g', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${base + 1})`);
    expect(u).toEqual(['g OK FETCH completed']);
    c.close();
  });

  it('FETCH (CHANGEDSINCE) keeps to its set: UIDs, sequence numbers, $, ranges naming nothing', async () => {
    const c = await login('u9');
    await append(c, 8);
    await c.command('s', 'SELECT INBOX (CONDSTORE)');
    await c.command('d', 'STORE 3 +FLAGS.SILENT (\\Deleted)');
    await c.command('e', 'EXPUNGE');
    // UIDs 1 2 4 5 6 7 8 are sequence numbers 1..7; all but UID 8 change.
    const base = highest(await c.command('st', 'STATUS INBOX (HIGHESTMODSEQ)'));
    await c.command('a', 'STORE 1:6 +FLAGS.SILENT ($X)');
    const fetched = async (tag: string, command: string) =>
      (await c.command(tag, command)).map((l) => l.replace(/ FLAGS \([^)]*\) MODSEQ \(\d+\)/, ''));
    expect(await fetched('f1', `UID FETCH 3:6 (FLAGS) (CHANGEDSINCE ${base})`)).toEqual(['* 3 FETCH (UID 4)', '* 4 FETCH (UID 5)', '* 5 FETCH (UID 6)', 'f1 OK FETCH completed']);
    expect(await fetched('f2', `FETCH 2,5:7 (FLAGS) (CHANGEDSINCE ${base})`)).toEqual(['* 2 FETCH (UID 2)', '* 5 FETCH (UID 6)', '* 6 FETCH (UID 7)', 'f2 OK FETCH completed']);
    expect(await fetched('f3', `FETCH 7 (FLAGS) (CHANGEDSINCE ${base})`)).toEqual(['f3 OK FETCH completed']);
    expect((await c.command('f4', `FETCH 20:30 (FLAGS) (CHANGEDSINCE ${base})`)).at(-1)).toMatch(/^f4 NO/);
    expect(await fetched('f5', `UID FETCH 3,100:200 (FLAGS) (CHANGEDSINCE ${base})`)).toEqual(['f5 OK FETCH completed']);
    await c.command('sv', 'UID SEARCH RETURN (SAVE) UID 1,5,8');
    expect(await fetched('f6', `FETCH $ (FLAGS) (CHANGEDSINCE ${base})`)).toEqual(['* 1 FETCH (UID 1)', '* 4 FETCH (UID 5)', 'f6 OK FETCH completed']);
    expect(await fetched('f7', `UID FETCH * (FLAGS) (CHANGEDSINCE ${base})`)).toEqual(['f7 OK FETCH completed']);
    expect(await fetched('f8', `UID FETCH 1:* (FLAGS) (PARTIAL 2:3 CHANGEDSINCE ${base})`)).toEqual(['* 2 FETCH (UID 2)', '* 3 FETCH (UID 4)', 'f8 OK FETCH completed']);
    c.close();
  });

  it('SEARCH MODSEQ names the highest modseq found; ESEARCH too; a flag entry name is accepted', async () => {
    const c = await login('u5');
    await append(c, 3);
    const base = highest(await c.command('s', 'EXAMINE INBOX (CONDSTORE)'));
    await c.command('s2', 'SELECT INBOX');
    await c.command('a', 'STORE 3 +FLAGS.SILENT (\\Draft)');
    expect(await c.command('q1', `SEARCH MODSEQ ${base + 1}`)).toEqual([`* SEARCH 3 (MODSEQ ${base + 1})`, 'q1 OK SEARCH completed']);
    expect(await c.command('q2', `UID SEARCH MODSEQ "/flags/\\\\draft" all ${base + 1}`)).toEqual([`* SEARCH 3 (MODSEQ ${base + 1})`, 'q2 OK SEARCH completed']);
    expect(await c.command('q3', `SEARCH MODSEQ ${base + 5}`)).toEqual(['* SEARCH', 'q3 OK SEARCH completed']);
    expect((await c.command('q4', `SEARCH RETURN (COUNT) MODSEQ 1`))[0]).toBe(`* ESEARCH (TAG "q4") COUNT 3 MODSEQ ${base + 1}`);
    c.close();
  });

  it('refuses the new syntax when malformed or in the wrong state', async () => {
    const c = await RawClient.connect(server.port);
    expect((await c.command('n1', 'SELECT INBOX (CONDSTORE)')).at(-1)).toMatch(/^n1 BAD/);
    expect((await c.command('l', 'LOGIN u6 pass')).at(-1)).toMatch(/^l OK/);
    expect((await c.command('a1', 'FETCH 1 (MODSEQ)')).at(-1)).toMatch(/^a1 BAD/);
    expect((await c.command('a2', 'STORE 1 (UNCHANGEDSINCE 1) +FLAGS (\\Seen)')).at(-1)).toMatch(/^a2 BAD/);
    expect((await c.command('a3', 'SEARCH MODSEQ 1')).at(-1)).toMatch(/^a3 BAD/);
    await append(c, 1);
    for (const [tag, command] of [
      ['b1', 'SELECT INBOX (CONDSTORE CONDSTORE)'], ['b2', 'SELECT INBOX (FOO)'], ['b3', 'SELECT INBOX (CONDSTORE'],
    ]) expect((await c.command(tag!, command!)).at(-1)).toMatch(new RegExp(`^${tag} BAD`));
    await c.command('s', 'SELECT INBOX');
    for (const [tag, command] of [
      ['m1', 'FETCH 1 (FLAGS) (CHANGEDSINCE)'], ['m2', 'FETCH 1 (FLAGS) (CHANGEDSINCE x)'], ['m3', 'FETCH 1 (FLAGS) (VANISHED)'],
      ['m4', 'FETCH 1 (FLAGS) (CHANGEDSINCE 1 CHANGEDSINCE 2)'], ['m5', 'FETCH 1 (FLAGS) ()'], ['m6', 'FETCH 1 (FLAGS) (FOO 1)'],
      ['m7', 'STORE 1 (UNCHANGEDSINCE) +FLAGS (\\Seen)'], ['m8', 'STORE 1 (UNCHANGEDSINCE -1) +FLAGS (\\Seen)'], ['m9', 'STORE 1 (FOO 1) +FLAGS (\\Seen)'],
      ['m10', 'SEARCH MODSEQ'], ['m11', 'SEARCH MODSEQ abc'], ['m12', 'SEARCH MODSEQ "/flags/\\\\seen" bogus 1'], ['m13', 'SEARCH MODSEQ "/vendor/x" all 1'],
      ['m14', 'FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)'], ['m15', 'UID FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)'],
    ]) expect((await c.command(tag!, command!)).at(-1)).toMatch(new RegExp(`^${tag} BAD`));
    c.close();
  });

  it('a FLAGS replacement by someone lacking some rights is still one new modseq per message', async () => {
    const store = server.imap.deps.store;
    store.createMailbox('limited', { acl: 'u8\tlrw\t' });
    const mailbox = store.openMailbox('limited');
    try {
      await mailbox.append([{ content: Buffer.from('Subject: a\r\n\r\nx\r\n'), flags: ['\\Deleted', '$Old'] }, { content: Buffer.from('Subject: b\r\n\r\nx\r\n'), flags: ['$Old'] }]);
    } finally {
      mailbox.close();
    }
    const c = await login('u8');
    const sel = await c.command('s', 'SELECT "Shared Folders/limited" (CONDSTORE)');
    const base = highest(sel);
    const r = (await c.command('f', 'STORE 1:2 FLAGS ($New)')).filter((l) => l.startsWith('* ') && l.includes('FETCH'));
    // \Deleted needs the t right: kept; $Old and $New are w's to change.
    expect(r).toEqual([`* 1 FETCH (UID 1 FLAGS (\\Deleted $New \\Recent) MODSEQ (${base + 1}))`, `* 2 FETCH (UID 2 FLAGS ($New \\Recent) MODSEQ (${base + 2}))`]);
    c.close();
  });

  it('works on an empty mailbox', async () => {
    const c = await login('u7');
    const sel = await c.command('s', 'SELECT INBOX (CONDSTORE)');
    expect(sel.some((l) => /^\* OK \[HIGHESTMODSEQ \d+\]/.test(l))).toBe(true);
    expect((await c.command('f', 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)')).at(-1)).toBe('f OK FETCH completed');
    expect((await c.command('g', 'UID STORE 1:* (UNCHANGEDSINCE 1) +FLAGS (\\Seen)')).at(-1)).toMatch(/^g OK/);
    expect(await c.command('h', 'SEARCH MODSEQ 1')).toEqual(['* SEARCH', 'h OK SEARCH completed']);
    c.close();
  });
});
