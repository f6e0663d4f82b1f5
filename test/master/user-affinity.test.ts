import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MOVES_QUEUED } from '../../src/master/worker-pool.js';
import { addUsers, LineClient, RunningMaster, tempServer, type LogLine, type TempServer } from './helpers.js';

/** A master with two imapd workers, both started, and `users` (password "pass"). */
async function twoWorkers(imapdExtra: string, users: readonly string[]): Promise<{ server: TempServer; master: RunningMaster }> {
  const server = tempServer('SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0" prefork=2\n}\n', `allowplaintext: yes\nautocreate_quota: 0\n${imapdExtra}`);
  addUsers(server, users);
  const master = RunningMaster.start(server);
  await master.address('imap');
  // Ready, not only started: a test that stops one worker with SIGSTOP needs the other to take
  // connections, and a worker still loading under a busy suite is passed over by the master.
  await master.waitFor('two workers ready', () => master.workerPids('imap').length >= 2 && master.workersReady('imap'));
  return { server, master };
}

// Issue 16: a user's sessions are served by one imapd worker (one SQLite connection and page cache
// per mailbox on the machine). A login that arrives on another worker is moved there by the master,
// with its unwritten answer and the commands the client sent after LOGIN.
describe('master: a user\'s sessions move to one worker', () => {
  let server: TempServer;
  let master: RunningMaster;
  const open: LineClient[] = [];

  beforeAll(async () => {
    ({ server, master } = await twoWorkers('maxlogins_per_user: 3\n', ['fred', 'wilma', 'barney', 'betty', 'pebbles']));
  });

  afterAll(async () => {
    for (const client of open) client.close();
    await master?.stop();
    server?.cleanup();
  });

  const opened = () => master.logs.filter((l) => l.msg === 'connection opened');

  /**
   * A new connection (greeting read) with the worker pid and session id that logged its opening.
   * `from`: the client address; the master sends a connection to the home of the user who last
   * logged in from its address, so the tests that need a login on another worker use a fresh one.
   */
  async function connect(from = '127.0.0.1'): Promise<{ client: LineClient; pid: number; sid: string }> {
    const before = opened().length;
    const client = await LineClient.connect(await master.address('imap'), from);
    open.push(client);
    await client.line(/^\* OK/);
    const line = await master.waitFor('its opening logged', () => opened()[before]);
    return { client, pid: line.pid as number, sid: line.sid as string };
  }

  /**
   * A connection on the worker `pid` (or, with `not`, on any other one). The others stay open until
   * the end: the master gives each new connection to the worker with the fewest.
   */
  async function connectOn(pid: number, not = false, from = '127.0.0.1'): Promise<{ client: LineClient; pid: number; sid: string }> {
    for (let i = 0; i < 20; i++) {
      const c = await connect(from);
      if ((c.pid === pid) !== not) return c;
    }
    throw new Error('the master never gave a connection to that worker');
  }

  const movedIn = (sid: string) => (l: LogLine) => l.sid === sid;

  it('serves imapflow clients of one user from one worker, whichever worker took them first', async () => {
    const [host, port] = (await master.address('imap')).split(':') as [string, string];
    const before = master.logs.length;
    const clients: ImapFlow[] = [];
    // Three: maxlogins_per_user.
    for (let i = 0; i < 3; i++) {
      const client = new ImapFlow({ host, port: Number(port), secure: false, auth: { user: 'betty', pass: 'pass' }, logger: false });
      await client.connect();
      clients.push(client);
    }
    await clients[0]!.append('INBOX', 'From: a@example.com\r\nSubject: one\r\n\r\nbody\r\n');
    for (const client of clients) expect((await client.status('INBOX', { messages: true })).messages).toBe(1);
    // Each session's final worker: where it opened, or where it moved in.
    const logs = master.logs.slice(before);
    const sids = logs.filter((l) => l.msg === 'login' && l.userid === 'betty').map((l) => l.sid as string);
    expect(sids).toHaveLength(3);
    const where = sids.map((sid) => (logs.find((l) => l.msg === 'session moved in' && l.sid === sid) ?? logs.find((l) => l.msg === 'connection opened' && l.sid === sid))!.pid);
    expect(new Set(where).size).toBe(1);
    // The second and third came from the address the first logged in from: the master gave them
    // to the user's home at once, and none had to move.
    const openedOn = sids.map((sid) => logs.find((l) => l.msg === 'connection opened' && l.sid === sid)!.pid);
    expect(new Set(openedOn).size).toBe(1);
    expect(logs.some((l) => l.msg === 'session moved in' && sids.includes(l.sid as string))).toBe(false);
    for (const client of clients) await client.logout();
  });

  it('moves a login on another worker to the user\'s home, commands sent after LOGIN included', async () => {
    const first = await connect('127.0.0.11');
    first.client.send('a LOGIN fred pass\r\n');
    expect(await first.client.line(/^a /)).toMatch(/^a OK \[CAPABILITY /);

    const second = await connectOn(first.pid, true, '127.0.0.12');
    // LOGIN and three more commands in one write: the last ones reach the first worker before the
    // answer to LOGIN is written, and must go along with the session (an APPEND's literal too).
    second.client.send('a LOGIN fred pass\r\nb APPEND INBOX {11+}\r\nhello world\r\nc SELECT INBOX\r\nd FETCH 1 BODY[]\r\n');
    expect(await second.client.line(/^a /)).toMatch(/^a OK \[CAPABILITY /);
    expect(await second.client.line(/^b /)).toMatch(/^b OK/);
    expect(await second.client.line(/^c /)).toMatch(/^c OK/);
    expect(await second.client.line(/^d /)).toMatch(/^d OK/);
    expect(second.client.received.some((l) => l.includes('hello world'))).toBe(true);
    const arrived = await master.log('session moved in', movedIn(second.sid));
    expect(arrived.pid).toBe(first.pid);
    expect(arrived.user).toBe('fred');
    expect((await master.log('session moved out', movedIn(second.sid))).pid).toBe(second.pid);
    // The answers come in order, once each.
    const tags = second.client.received.filter((l) => /^[a-d] /.test(l)).map((l) => l[0]);
    expect(tags).toEqual(['a', 'b', 'c', 'd']);

    // After the move: a synchronising literal (the continuation comes from the new worker) and IDLE,
    // which hears the first session's APPEND on the same worker.
    second.client.send('e APPEND INBOX {5}\r\n');
    await second.client.line(/^\+ /);
    second.client.send('again\r\n');
    expect(await second.client.line(/^e /)).toMatch(/^e OK/);
    second.client.send('f IDLE\r\n');
    await second.client.line(/^\+ idling/);
    first.client.send('g APPEND INBOX {4+}\r\nmore\r\n');
    expect(await first.client.line(/^g /)).toMatch(/^g OK/);
    await second.client.line(/^\* 3 EXISTS/);
    second.client.send('DONE\r\n');
    expect(await second.client.line(/^f /)).toMatch(/^f OK/);
  });

  it('leaves the first login of a user where it is, and moves the user\'s next ones there', async () => {
    const home = await connect('127.0.0.21');
    home.client.send('a LOGIN wilma pass\r\n');
    expect(await home.client.line(/^a /)).toMatch(/^a OK/);
    const other = await connectOn(home.pid, true, '127.0.0.22');
    other.client.send('a LOGIN wilma pass\r\n');
    expect(await other.client.line(/^a /)).toMatch(/^a OK/);
    expect((await master.log('session moved in', movedIn(other.sid))).pid).toBe(home.pid);
    expect(master.logs.some((l) => l.msg === 'session moved in' && l.sid === home.sid)).toBe(false);
    // A failed login moves nothing.
    const wrong = await connectOn(home.pid, true, '127.0.0.23');
    wrong.client.send('a LOGIN wilma nope\r\nb NOOP\r\n');
    expect(await wrong.client.line(/^a /)).toMatch(/^a NO/);
    expect(await wrong.client.line(/^b /)).toMatch(/^b OK/);
    expect(master.logs.some((l) => l.msg === 'session moved out' && l.sid === wrong.sid)).toBe(false);
  });

  it('sends a new connection from the address a user last logged in from to that user\'s home', async () => {
    const home = await connect('127.0.0.41');
    home.client.send('a LOGIN pebbles pass\r\n');
    expect(await home.client.line(/^a /)).toMatch(/^a OK/);
    // From the same address: at home before any login, so no move. From a fresh address: wherever
    // the fewest connections are (both workers, within a few).
    const later = [];
    for (let i = 0; i < 3; i++) later.push(await connect('127.0.0.41'));
    expect(later.map((c) => c.pid)).toEqual([home.pid, home.pid, home.pid]);
    for (const c of later) {
      c.client.send('a LOGIN pebbles pass\r\nb NOOP\r\n');
      expect(await c.client.line(/^b /)).toMatch(/^b OK/);
    }
    expect(master.logs.some((l) => l.msg === 'session moved in' && later.some((c) => c.sid === l.sid))).toBe(false);
    const fresh = new Set<number>();
    for (let i = 0; i < 6 && fresh.size < 2; i++) fresh.add((await connect('127.0.0.42')).pid);
    expect(fresh.size).toBe(2);
  });

  it('counts a moved session once against maxlogins_per_user, until it ends', async () => {
    const first = await connect('127.0.0.31');
    first.client.send('a LOGIN barney pass\r\n');
    expect(await first.client.line(/^a /)).toMatch(/^a OK/);
    const moved: LineClient[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await connectOn(first.pid, true, `127.0.0.${32 + i}`);
      c.client.send('a LOGIN barney pass\r\n');
      expect(await c.client.line(/^a /)).toMatch(/^a OK/);
      await master.log('session moved in', movedIn(c.sid));
      moved.push(c.client);
    }
    // Three sessions (two of them moved): the fourth is over maxlogins_per_user.
    const fourth = await connect('127.0.0.35');
    fourth.client.send('a LOGIN barney pass\r\n');
    expect(await fourth.client.line(/^a /)).toMatch(/^a NO \[LIMIT\]/);
    // A moved session that logs out frees its place.
    moved[0]!.send('z LOGOUT\r\n');
    await moved[0]!.line(/^z OK/);
    await moved[0]!.closed;
    let answer = '';
    for (let i = 0; i < 50 && !answer.startsWith('b OK'); i++) {
      fourth.client.send(`b${i} LOGIN barney pass\r\n`);
      answer = (await fourth.client.line(new RegExp(`^b${i} `))).replace(/^b\d+/, 'b');
      if (!answer.startsWith('b OK')) await new Promise((r) => setTimeout(r, 50));
    }
    expect(answer).toMatch(/^b OK/);
  });
});

describe('master: user affinity when the home worker dies', () => {
  let server: TempServer;
  let master: RunningMaster;
  const open: LineClient[] = [];

  beforeAll(async () => {
    ({ server, master } = await twoWorkers('master_restart_backoff: 1s\n', ['dino']));
  });

  afterAll(async () => {
    for (const client of open) client.close();
    await master?.stop();
    server?.cleanup();
  });

  async function login(): Promise<{ client: LineClient; sid: string }> {
    const before = master.logs.filter((l) => l.msg === 'connection opened').length;
    const client = await LineClient.connect(await master.address('imap'));
    open.push(client);
    await client.line(/^\* OK/);
    const sid = (await master.waitFor('its opening logged', () => master.logs.filter((l) => l.msg === 'connection opened')[before])).sid as string;
    client.send('a LOGIN dino pass\r\nb SELECT INBOX\r\n');
    expect(await client.line(/^a /)).toMatch(/^a OK/);
    expect(await client.line(/^b /)).toMatch(/^b OK/);
    return { client, sid };
  }

  it('gives the user a new home, and later logins are served', async () => {
    const first = await login();
    const home = master.logs.find((l) => l.msg === 'connection opened' && l.sid === first.sid)!.pid as number;
    process.kill(home, 'SIGKILL');
    await first.client.closed;
    await master.log('worker died, restarting');
    // Logins until both workers took one (the dead one comes back): all answered, and the ones after
    // the first live on the worker that took the first.
    const sessions = [];
    for (let i = 0; i < 4; i++) sessions.push(await login());
    for (const { client } of sessions) {
      client.send('c NOOP\r\n');
      expect(await client.line(/^c /)).toMatch(/^c OK/);
    }
    const where = (sid: string) => (master.logs.find((l) => l.msg === 'session moved in' && l.sid === sid) ?? master.logs.find((l) => l.msg === 'connection opened' && l.sid === sid))!.pid;
    expect(new Set(sessions.map((s) => where(s.sid))).size).toBe(1);
    expect(where(sessions[0]!.sid)).not.toBe(home);
  });
});

// A move is two socket passes, each waiting for the receiving worker's loop to take the socket: in a
// login storm, logins must not queue behind moves to a worker that is not taking them.
describe('master: user affinity under a backlog of moves', () => {
  let server: TempServer;
  let master: RunningMaster;
  const open: LineClient[] = [];
  let stopped: number | null = null;

  beforeAll(async () => {
    ({ server, master } = await twoWorkers('', ['slate']));
  });

  afterAll(async () => {
    if (stopped !== null) process.kill(stopped, 'SIGCONT');
    for (const client of open) client.close();
    await master?.stop();
    server?.cleanup();
  });

  async function connect(from: string): Promise<{ client: LineClient; sid: string; pid: number }> {
    const before = master.logs.filter((l) => l.msg === 'connection opened').length;
    const client = await LineClient.connect(await master.address('imap'), from);
    open.push(client);
    await client.line(/^\* OK/);
    const line = await master.waitFor('its opening logged', () => master.logs.filter((l) => l.msg === 'connection opened')[before]);
    return { client, sid: line.sid as string, pid: line.pid as number };
  }

  it('serves a login where it came in while MAX_MOVES_QUEUED sessions wait to be taken by the user\'s home', async () => {
    const home = await connect('127.0.0.61');
    home.client.send('a LOGIN slate pass\r\n');
    expect(await home.client.line(/^a /)).toMatch(/^a OK/);
    // The home stops taking sockets (its loop does not turn): what the master sends it stays on its way.
    process.kill(home.pid, 'SIGSTOP');
    stopped = home.pid;
    const waiting = [];
    for (let i = 0; i < MAX_MOVES_QUEUED; i++) {
      const c = await connect(`127.0.0.${62 + i}`);
      expect(c.pid).not.toBe(home.pid);
      c.client.send('a LOGIN slate pass\r\n');
      await master.log('moved session handed to its user\'s worker', (l) => l.sid === c.sid);
      waiting.push(c);
    }
    // The next is not moved: it is answered where it logged in.
    const third = await connect('127.0.0.99');
    third.client.send('a LOGIN slate pass\r\nb SELECT INBOX\r\n');
    expect(await third.client.line(/^a /)).toMatch(/^a OK/);
    expect(await third.client.line(/^b /)).toMatch(/^b OK/);
    expect(master.logs.some((l) => l.msg === 'session moved out' && l.sid === third.sid)).toBe(false);
    await master.log('login not moved: sockets queued');
    // The home comes back and serves the two that waited.
    process.kill(home.pid, 'SIGCONT');
    stopped = null;
    for (const c of waiting) {
      expect(await c.client.line(/^a /)).toMatch(/^a OK/);
      expect((await master.log('session moved in', (l) => l.sid === c.sid)).pid).toBe(home.pid);
    }
  });
});
