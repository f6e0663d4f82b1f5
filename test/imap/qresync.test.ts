/** QRESYNC (RFC 7162 section 3.2) on the wire: ENABLE, SELECT (QRESYNC ...), VANISHED (EARLIER), VANISHED in the session, the expunged-record horizon. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
const USERS = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7', 'q8'];

beforeAll(async () => {
  server = await startTestServer({ users: USERS });
});
afterAll(async () => {
  await server.close();
});

async function login(user: string, enable = true): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', `LOGIN ${user} pass`)).at(-1)).toMatch(/^l OK/);
  if (enable) expect(await c.command('e', 'ENABLE QRESYNC')).toEqual(['* ENABLED QRESYNC', 'e OK ENABLE completed']);
  return c;
}

async function append(c: RawClient, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const body = `Subject: m${i}\r\n\r\nbody\r\n`;
    c.write(`ap APPEND INBOX {${body.length}+}\r\n${body}\r\n`);
    expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
  }
}

const code = (lines: string[], name: string): number => Number(new RegExp(`\\[${name} (\\d+)\\]`).exec(lines.find((l) => l.includes(`[${name} `))!)![1]);
const untagged = (lines: string[]): string[] => lines.filter((l) => l.startsWith('* VANISHED') || /^\* \d+ FETCH /.test(l)).map((l) => l.replace(/MODSEQ \(\d+\)/, 'MODSEQ (m)'));

/** A mailbox of 6 messages the client remembers at (uidvalidity, modseq); then 2 flagged, 3 and 5 expunged, one appended. */
async function changedMailbox(user: string): Promise<{ c: RawClient; uidValidity: number; modseq: number }> {
  const c = await login(user);
  await append(c, 6);
  const sel = await c.command('s', 'SELECT INBOX');
  const uidValidity = code(sel, 'UIDVALIDITY');
  const modseq = code(sel, 'HIGHESTMODSEQ');
  await c.command('a', 'STORE 2 +FLAGS.SILENT (\\Flagged)');
  await c.command('b', 'UID STORE 3,5 +FLAGS.SILENT (\\Deleted)');
  await c.command('x', 'EXPUNGE');
  await append(c, 1);
  await c.command('u', 'UNSELECT');
  return { c, uidValidity, modseq };
}

describe('QRESYNC', () => {
  it('SELECT (QRESYNC) reports the UIDs expunged since (VANISHED (EARLIER)), then the changed messages', async () => {
    const { c, uidValidity, modseq } = await changedMailbox('q1');
    const sel = await c.command('s', `SELECT INBOX (QRESYNC (${uidValidity} ${modseq}))`);
    expect(sel.at(-1)).toBe('s OK [READ-WRITE] Completed');
    expect(untagged(sel)).toEqual(['* VANISHED (EARLIER) 3,5', '* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (m))', '* 5 FETCH (UID 7 FLAGS () MODSEQ (m))']);
    // Known UIDs restrict both.
    const known = await c.command('k', `EXAMINE INBOX (QRESYNC (${uidValidity} ${modseq} 1:4))`);
    expect(known[0]).toBe('* OK [CLOSED] Ok');
    expect(untagged(known)).toEqual(['* VANISHED (EARLIER) 3', '* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (m))']);
    // Another UIDVALIDITY: nothing beyond a plain SELECT.
    expect(untagged(await c.command('v', `SELECT INBOX (QRESYNC (${uidValidity + 1} ${modseq}))`))).toEqual([]);
    c.close();
  });

  it('once enabled, expunges are VANISHED responses, in this session and from others', async () => {
    const c = await login('q2');
    const other = await login('q2', false);
    await append(c, 5);
    await c.command('s', 'SELECT INBOX');
    await other.command('s', 'SELECT INBOX');
    await c.command('d', 'STORE 2,4 +FLAGS.SILENT (\\Deleted)');
    const expunged = await c.command('x', 'EXPUNGE');
    expect(expunged[0]).toBe('* VANISHED 2,4');
    expect(expunged[1]).toMatch(/^x OK \[HIGHESTMODSEQ \d+\] Completed$/);
    // The other session did not enable QRESYNC: EXPUNGE responses.
    expect(await other.command('n', 'NOOP')).toEqual(['* 4 EXPUNGE', '* 2 EXPUNGE', 'n OK NOOP completed']);
    await other.command('d2', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await other.command('x2', 'EXPUNGE');
    expect(await c.command('n', 'NOOP')).toEqual(['* VANISHED 1', 'n OK NOOP completed']);
    // UID EXPUNGE too; the sequence-numbered commands still hold them back.
    await other.command('d3', 'STORE 1:* +FLAGS.SILENT (\\Deleted)');
    await other.command('x3', 'UID EXPUNGE 3');
    expect((await c.command('f', 'FETCH 1 (UID)')).some((l) => l.startsWith('* VANISHED'))).toBe(false);
    expect(await c.command('n2', 'NOOP')).toEqual(['* VANISHED 3', 'n2 OK NOOP completed']);
    // MOVE (RFC 6851 4.3): VANISHED as well.
    await c.command('cr', 'CREATE Elsewhere');
    const moved = await c.command('mv', 'UID MOVE 5 Elsewhere');
    expect(moved.slice(1)).toEqual(['* VANISHED 5', 'mv OK MOVE completed']);
    c.close();
    other.close();
  });

  it('UID FETCH (CHANGEDSINCE n VANISHED) reports the UIDs of the set expunged since', async () => {
    const { c, modseq } = await changedMailbox('q3');
    await c.command('s', 'SELECT INBOX');
    const r = await c.command('f', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${modseq} VANISHED)`);
    expect(untagged(r)).toEqual(['* VANISHED (EARLIER) 3,5', '* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (m))', '* 5 FETCH (UID 7 FLAGS () MODSEQ (m))']);
    expect(untagged(await c.command('g', `UID FETCH 4:6 (FLAGS) (VANISHED CHANGEDSINCE ${modseq})`))).toEqual(['* VANISHED (EARLIER) 5']);
    c.close();
  });

  it('below the expunged-record horizon every known UID not in the mailbox is reported; sequence-match data narrows it', async () => {
    const { c, uidValidity, modseq } = await changedMailbox('q4');
    const mailbox = server.imap.deps.store.openMailbox('user.q4');
    try {
      expect(mailbox.pruneExpunged(0)).toEqual([3, 5]);
      expect(mailbox.status().deletedModseq).toBeGreaterThan(modseq);
    } finally {
      mailbox.close();
    }
    // The records of 3 and 5 are gone: from modseq they cannot be listed exactly, so all missing known UIDs are.
    expect(untagged(await c.command('s', `SELECT INBOX (QRESYNC (${uidValidity} ${modseq}))`))[0]).toBe('* VANISHED (EARLIER) 3,5');
    expect(untagged(await c.command('k', `SELECT INBOX (QRESYNC (${uidValidity} ${modseq} 1:4,9))`))[0]).toBe('* VANISHED (EARLIER) 3');
    // The client's message 2 was UID 2 and still is: nothing at or below UID 2 vanished; 4 was UID 4 and is not any more.
    const narrowed = await c.command('m', `SELECT INBOX (QRESYNC (${uidValidity} ${modseq} 1:7 (2,4 2,4)))`);
    expect(untagged(narrowed)[0]).toBe('* VANISHED (EARLIER) 3,5');
    const matched = await c.command('m2', `SELECT INBOX (QRESYNC (${uidValidity} ${modseq} 1:7 (1,2,3 1,2,4)))`);
    expect(untagged(matched)[0]).toBe('* VANISHED (EARLIER) 5');
    c.close();
  });

  it('refuses QRESYNC syntax when not enabled, malformed, or in the wrong state', async () => {
    const c = await login('q5', false);
    await append(c, 1);
    expect((await c.command('a', 'SELECT INBOX (QRESYNC (1 1))')).at(-1)).toBe('a BAD SELECT (QRESYNC) needs ENABLE QRESYNC first');
    await c.command('s', 'SELECT INBOX');
    expect((await c.command('b', 'UID FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)')).at(-1)).toBe('b BAD FETCH (VANISHED) needs ENABLE QRESYNC first');
    expect(await c.command('e', 'ENABLE QRESYNC')).toEqual(['* ENABLED QRESYNC', 'e OK ENABLE completed']);
    for (const [tag, command] of [
      ['m1', 'SELECT INBOX (QRESYNC)'], ['m2', 'SELECT INBOX (QRESYNC ())'], ['m3', 'SELECT INBOX (QRESYNC (1))'],
      ['m4', 'SELECT INBOX (QRESYNC (0 1))'], ['m5', 'SELECT INBOX (QRESYNC (1 0))'], ['m6', 'SELECT INBOX (QRESYNC (1 1 1:*))'],
      ['m7', 'SELECT INBOX (QRESYNC (1 1 1:5 (1,2 3)))'], ['m8', 'SELECT INBOX (QRESYNC (1 1 (1)))'], ['m9', 'SELECT INBOX (QRESYNC (1 1) QRESYNC (1 1))'],
      ['m10', 'SELECT INBOX (QRESYNC (1 1 $))'], ['m11', 'SELECT INBOX (QRESYNC (x 1))'],
      ['m12', 'FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)'], ['m13', 'UID FETCH 1 (FLAGS) (VANISHED)'], ['m14', 'UID FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED VANISHED)'],
    ]) expect((await c.command(tag!, command!)).at(-1)).toMatch(new RegExp(`^${tag} BAD`));
    const fresh = await RawClient.connect(server.port);
    expect((await fresh.command('n', 'ENABLE QRESYNC')).at(-1)).toMatch(/^n BAD/);
    expect((await fresh.command('n2', 'SELECT INBOX (QRESYNC (1 1))')).at(-1)).toMatch(/^n2 BAD/);
    fresh.close();
    c.close();
  });

  it('works on an empty mailbox', async () => {
    const c = await login('q6');
    const sel = await c.command('s', 'SELECT INBOX');
    const uidValidity = code(sel, 'UIDVALIDITY');
    expect(untagged(await c.command('q', `SELECT INBOX (QRESYNC (${uidValidity} 1 1:10))`))).toEqual([]);
    expect(untagged(await c.command('f', 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)'))).toEqual([]);
    c.close();
  });
});
