/**
 * One maildrop, several sessions: by default both sessions work on their own login snapshot and
 * stay consistent (nothing deleted twice, nothing resurrected); with poplockmaildrop the second
 * gets [IN-USE], and a lock left by a dead process is taken over. A dropped connection deletes
 * nothing.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, PopClient, startPop3Server, type Pop3TestServer } from './harness.js';

let shared: Pop3TestServer;
let locked: Pop3TestServer;
beforeAll(async () => {
  shared = await startPop3Server({ users: ['fred', 'joe', 'ann'] });
  locked = await startPop3Server({ conf: ['poplockmaildrop: yes'] });
}, 60_000);
afterAll(async () => {
  await shared.close();
  await locked.close();
});

async function uidls(port: number, user: string): Promise<string[]> {
  const c = await PopClient.login(port, user);
  const { lines } = await c.listing('UIDL');
  await c.command('QUIT');
  return lines.map((l) => l.split(' ')[1]!);
}

describe('two sessions on one maildrop (default)', () => {
  it('lets both in; each keeps its own numbering; deletions meet without errors', async () => {
    await shared.deliver('fred', [message('m1'), message('m2'), message('m3')]);
    const before = await uidls(shared.port, 'fred');
    const a = await PopClient.login(shared.port);
    const b = await PopClient.login(shared.port);
    expect(await a.command('STAT')).toMatch(/^\+OK 3 /);
    expect(await b.command('STAT')).toMatch(/^\+OK 3 /);
    // Both delete message 1, A also 2; A quits first.
    expect(await a.command('DELE 1')).toBe('+OK message deleted');
    expect(await a.command('DELE 2')).toBe('+OK message deleted');
    expect(await b.command('DELE 1')).toBe('+OK message deleted');
    expect(await a.command('QUIT')).toBe('+OK');
    // B still numbers by its snapshot: message 2 is gone underneath, RETR says so, DELE of it is fine.
    expect(await b.command('RETR 2')).toBe('-ERR No such message');
    expect(await b.command('LIST 3')).toMatch(/^\+OK 3 \d+$/);
    expect(await b.command('RETR 3')).toBe('+OK Message follows');
    await b.multiline();
    expect(await b.command('DELE 2')).toBe('+OK message deleted');
    expect(await b.command('QUIT')).toBe('+OK');
    expect(await uidls(shared.port, 'fred')).toEqual([before[2]]);
  });

  it('never resurrects: a message removed by one session stays gone for a session that did not delete it', async () => {
    await shared.deliver('joe', [message('j1'), message('j2')]);
    const a = await PopClient.login(shared.port, 'joe');
    const b = await PopClient.login(shared.port, 'joe');
    await a.command('DELE 1');
    await a.command('QUIT');
    expect(await b.command('RSET')).toBe('+OK');
    expect(await b.command('QUIT')).toBe('+OK');
    expect(await uidls(shared.port, 'joe')).toHaveLength(1);
  });

  it('deletes nothing when the connection drops after DELE', async () => {
    await shared.deliver('ann', [message('a1'), message('a2')]);
    const c = await PopClient.login(shared.port, 'ann');
    expect(await c.command('DELE 1')).toBe('+OK message deleted');
    expect(await c.command('DELE 2')).toBe('+OK message deleted');
    c.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(await uidls(shared.port, 'ann')).toHaveLength(2);
  });
});

describe('poplockmaildrop: yes', () => {
  it('answers the second session [IN-USE] until the first ends, however it ends', async () => {
    await locked.deliver('fred', [message('l1')]);
    const a = await PopClient.login(locked.port);
    const b = await PopClient.connect(locked.port);
    await b.command('USER fred');
    expect(await b.command('PASS pass')).toBe('-ERR [IN-USE] Unable to lock maildrop: another POP3 session holds it');
    expect(await b.command('STAT')).toBe('-ERR Unrecognized command');
    a.close();
    await new Promise((r) => setTimeout(r, 100));
    await b.command('USER fred');
    expect(await b.command('PASS pass')).toMatch(/^\+OK Mailbox locked and ready/);
    expect(await b.command('QUIT')).toBe('+OK');
    const c = await PopClient.login(locked.port);
    c.close();
  });

  it('takes over a lock whose process is gone (a crash or a restart)', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const db = new Database(join(locked.dir, 'conf', 'pop3.db'));
    const uniqueId = locked.pop3.deps.store.lookup('user.fred')!.uniqueId;
    db.prepare('INSERT OR REPLACE INTO maildrop_lock (uniqueid, pid, holder, since) VALUES (?, ?, ?, ?)').run(uniqueId, dead, `${dead}:gone`, Date.now());
    const alive = process.pid === 1 ? 2 : 1; // pid 1 always exists
    db.close();
    const c = await PopClient.login(locked.port);
    expect(await c.command('STAT')).toMatch(/^\+OK/);
    await c.command('QUIT');
    // A lock held by a live process that is not ours is respected.
    const db2 = new Database(join(locked.dir, 'conf', 'pop3.db'));
    db2.prepare('INSERT OR REPLACE INTO maildrop_lock (uniqueid, pid, holder, since) VALUES (?, ?, ?, ?)').run(uniqueId, alive, `${alive}:other-worker`, Date.now());
    db2.close();
    const d = await PopClient.connect(locked.port);
    await d.command('USER fred');
    expect(await d.command('PASS pass')).toMatch(/^-ERR \[IN-USE\]/);
    d.close();
  });
});

describe('autologout', () => {
  let quick: Pop3TestServer;
  afterAll(async () => {
    await quick.close();
  });
  it('closes an idle session without an answer and without UPDATE', async () => {
    quick = await startPop3Server({ settings: { timeoutMs: 1500 } });
    await quick.deliver('fred', [message('t1')]);
    const c = await PopClient.login(quick.port);
    expect(await c.command('DELE 1')).toBe('+OK message deleted');
    await c.closedByServer();
    expect(await c.line().catch((err: Error) => err.message)).toMatch(/^connection closed; got: ""$/);
    const d = await PopClient.login(quick.port);
    expect(await d.command('STAT')).toMatch(/^\+OK 1 /);
    d.close();
  });
});
