/** SAVEDATE (RFC 8514) on the wire: FETCH SAVEDATE and the SAVED* search keys; COPY and MOVE save anew. */
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let c: RawClient;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** An IMAP date (d-Mon-yyyy) in the server's (this process's) time zone. */
function imapDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getDate()}-${MONTHS[d.getMonth()]}-${d.getFullYear()}`;
}

/** Set the save date of INBOX's message `uid` in its index, as if it had been stored long ago. */
function backdateSave(uid: number, ms: number): void {
  const file = execFileSync('find', [server.dir, '-name', 'cyrus.index', '-path', '*saver*'], { encoding: 'utf8' })
    .split('\n')
    .find((path) => !path.includes('Archive'))!;
  const db = new Database(file);
  db.prepare('UPDATE messages SET savedate = ? WHERE uid = ?').run(ms, uid);
  db.close();
}

async function append(box: string, date: string): Promise<void> {
  const body = 'Subject: s\r\n\r\nbody\r\n';
  c.write(`ap APPEND ${box} "${date}" {${body.length}+}\r\n${body}\r\n`);
  expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
}

beforeAll(async () => {
  server = await startTestServer({ users: ['saver', 'empty'] });
  c = await RawClient.connect(server.port);
  await c.command('l', 'LOGIN saver pass');
  await c.command('c', 'CREATE Archive');
  // Internal dates far in the past; the save date is when the message was stored (now).
  await append('INBOX', '01-Jan-2020 10:00:00 +0000');
  await append('INBOX', '02-Jan-2020 10:00:00 +0000');
  backdateSave(2, Date.UTC(2021, 5, 15, 12));
  await c.command('s', 'SELECT INBOX');
});
afterAll(async () => {
  c.close();
  await server.close();
});

describe('SAVEDATE', () => {
  it('is advertised; FETCH SAVEDATE gives when the message was stored, not its internal date', async () => {
    expect((await c.command('cap', 'CAPABILITY'))[0]).toMatch(/ SAVEDATE( |$)/);
    const lines = await c.command('f', 'FETCH 1:2 (INTERNALDATE SAVEDATE)');
    const today = new Date();
    const day = String(today.getDate()).padStart(2, ' ');
    expect(lines[0]).toMatch(new RegExp(`^\\* 1 FETCH \\(INTERNALDATE "[ 0-9]+-Jan-2020 [0-9:]+ [-+][0-9]{4}" SAVEDATE "${day}-${MONTHS[today.getMonth()]}-${today.getFullYear()} [0-9:]+ [-+][0-9]{4}"\\)$`));
    expect(lines[1]).toMatch(/^\* 2 FETCH \(INTERNALDATE "[ 0-9]+-Jan-2020 [0-9:]+ [-+]\d{4}" SAVEDATE "1[45]-Jun-2021 /);
    expect(lines.at(-1)).toBe('f OK FETCH completed');
  });

  it('SAVEDBEFORE / SAVEDON / SAVEDSINCE compare the save date; SAVEDATESUPPORTED matches all', async () => {
    const june = imapDay(Date.UTC(2021, 5, 15, 12));
    expect((await c.command('a', `SEARCH SAVEDON ${june}`))[0]).toBe('* SEARCH 2');
    expect((await c.command('b', 'SEARCH SAVEDBEFORE 1-Jan-2022'))[0]).toBe('* SEARCH 2');
    expect((await c.command('b2', 'SEARCH BEFORE 1-Jan-2022'))[0]).toBe('* SEARCH 1 2');
    expect((await c.command('d', `SEARCH SAVEDSINCE ${imapDay(Date.now())}`))[0]).toBe('* SEARCH 1');
    expect((await c.command('e', 'UID SEARCH SAVEDSINCE 1-Jan-2021 NOT SAVEDON 1-Jan-2021'))[0]).toBe('* SEARCH 1 2');
    expect((await c.command('g', 'SEARCH SAVEDATESUPPORTED'))[0]).toBe('* SEARCH 1 2');
    expect((await c.command('h', 'SEARCH OR SAVEDBEFORE 1-Jan-2020 SAVEDSINCE 1-Jan-2030'))[0]).toBe('* SEARCH');
  });

  it('COPY and MOVE give the new message a save date of its own', async () => {
    expect((await c.command('cp', 'COPY 2 Archive')).at(-1)).toMatch(/^cp OK/);
    expect((await c.command('ex', 'EXAMINE Archive'))).toContain('ex OK [READ-ONLY] Completed');
    expect((await c.command('f', 'FETCH 1 (SAVEDATE)'))[0]).not.toMatch(/2021/);
    expect((await c.command('f2', `SEARCH SAVEDSINCE ${imapDay(Date.now())}`))[0]).toBe('* SEARCH 1');
    await c.command('s', 'SELECT INBOX');
    expect((await c.command('f3', 'FETCH 2 (SAVEDATE)'))[0]).toMatch(/2021/);
  });

  it('refuses malformed keys and items; answers on an empty mailbox; needs a selected mailbox', async () => {
    for (const [tag, command] of [['m1', 'SEARCH SAVEDON'], ['m2', 'SEARCH SAVEDON 32-Jan-21'], ['m3', 'SEARCH SAVEDBEFORE yesterday'], ['m4', 'FETCH 1 (SAVEDATE[])'], ['m5', 'SEARCH SAVEDATESUPPORTED 1-Jan-2021']]) {
      expect((await c.command(tag!, command!)).at(-1)).toMatch(new RegExp(`^${tag} BAD`));
    }
    const e = await RawClient.connect(server.port);
    expect((await e.command('f0', 'FETCH 1 (SAVEDATE)')).at(-1)).toMatch(/^f0 BAD/);
    await e.command('l', 'LOGIN empty pass');
    expect((await e.command('s0', 'SEARCH SAVEDATESUPPORTED')).at(-1)).toMatch(/^s0 BAD/);
    await e.command('s', 'SELECT INBOX');
    expect(await e.command('s1', 'SEARCH SAVEDATESUPPORTED')).toEqual(['* SEARCH', 's1 OK SEARCH completed']);
    expect(await e.command('s2', 'UID FETCH 1:* (SAVEDATE)')).toEqual(['s2 OK FETCH completed']);
    e.close();
  });
});
