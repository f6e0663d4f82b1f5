// XFER in a whole Murder of master processes on loopback: a mupdate master, backend A
// (127.0.0.2) and backend B (127.0.0.3), a frontend (127.0.0.1). B's IMAP really listens on
// 127.0.0.5; a relay on 127.0.0.3 passes the bytes, so the test can hold the source's COMMIT, lose
// the target's answer, or cut the link between the two backends while a move is under way.
import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { MailStore, type MailboxEntry } from '../../src/store/index.js';
import { hasCyradm } from '../imap/harness.js';
import { addUsers, LineClient, RunningMaster, tempServer, type TempServer } from '../master/helpers.js';
import { freeCommonPort } from './net.js';
import { Relay } from './relay.js';

const A = '127.0.0.2';
const B = '127.0.0.3';
const B_REAL = '127.0.0.5';
const COMMON = 'allowplaintext: yes\nfsync_disabled: yes\nauth_failure_delay: 0\n';

/** A plain IMAP client: one command at a time, every line up to its tagged answer. */
class Imap {
  private buffer = '';
  private waiter: (() => void) | null = null;
  private n = 0;
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => undefined);
  }

  static async open(address: { host: string; port: number }, user: string): Promise<Imap> {
    const socket = createConnection(address);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const imap = new Imap(socket);
    await imap.until(/^\* OK.*\r\n/m);
    const login = await imap.run(`LOGIN ${user} pass`);
    if (!/ OK/.test(login.at(-1)!)) throw new Error(`login as ${user}: ${login.join(' | ')}`);
    return imap;
  }

  private async until(re: RegExp, ms = 60_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.buffer);
      if (m) {
        const end = m.index + m[0].length;
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return text;
      }
      if (this.closed) throw new Error(`connection closed; got ${JSON.stringify(this.buffer)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; got ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Send a command; resolves with its lines, the tagged answer last. */
  async run(command: string, ms?: number): Promise<string[]> {
    const tag = `t${++this.n}`;
    this.socket.write(`${tag} ${command}\r\n`);
    return this.answer(tag, ms);
  }

  start(command: string): string {
    const tag = `t${++this.n}`;
    this.socket.write(`${tag} ${command}\r\n`);
    return tag;
  }

  async answer(tag: string, ms?: number): Promise<string[]> {
    const text = await this.until(new RegExp(`(^|\\n)${tag} (OK|NO|BAD)[^\\n]*\\r\\n`), ms);
    return text.split('\r\n').filter((l) => l !== '');
  }

  async append(mailbox: string, message: string): Promise<string> {
    return (await this.run(`APPEND ${mailbox} {${Buffer.byteLength(message)}+}\r\n${message}`)).at(-1)!;
  }

  close(): void {
    this.socket.destroy();
  }
}

function hostPort(address: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(address)!;
  return { host: m[1]!, port: Number(m[2]) };
}

async function waitFor<T>(what: string, test: () => T | null | undefined | false | Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await test();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function mail(subject: string, body = 'hello\r\n'): string {
  return `From: sender@example.org\r\nTo: fred@example.org\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.org>\r\n\r\n${body}`;
}

describe('XFER in a Murder of master processes', () => {
  const servers: TempServer[] = [];
  const masters: RunningMaster[] = [];
  let backendA: TempServer;
  let backendB: TempServer;
  let frontend: TempServer;
  let masterA: RunningMaster;
  let relay: Relay;
  let imapPort: number;
  let front: { imap: { host: string; port: number }; pop3: string; lmtp: string };

  /** An entry of `server`'s mailboxes.db (reserved ones too), read fresh. */
  function entryOn(server: TempServer, name: string): MailboxEntry | null {
    const store = MailStore.open({ config: ImapdConfig.load(server.imapdConf), publisher: null });
    try {
      return store.mailboxes.get(name);
    } finally {
      store.close();
    }
  }

  function withStore<T>(server: TempServer, fn: (store: MailStore) => T): T {
    const store = MailStore.open({ config: ImapdConfig.load(server.imapdConf), publisher: null });
    try {
      return fn(store);
    } finally {
      store.close();
    }
  }

  /** LMTP through the frontend to `rcpt`: the reply to the message's DATA for it. */
  async function deliver(rcpt: string, subject: string): Promise<string> {
    const c = await LineClient.connect(front.lmtp);
    try {
      const step = async (line: string, re = /^\d{3} /): Promise<string> => {
        const at = c.received.length;
        c.send(line);
        return waitFor(`reply to ${line.trim()}`, () => c.received.slice(at).find((l) => re.test(l)));
      };
      await waitFor('greeting', () => c.received.find((l) => /^220 /.test(l)));
      await step('LHLO mta.example\r\n', /^250 /);
      await step('MAIL FROM:<sender@example.org>\r\n');
      const rcptReply = await step(`RCPT TO:<${rcpt}>\r\n`);
      if (!/^250 /.test(rcptReply)) return rcptReply;
      await step('DATA\r\n', /^354 /);
      return await step(`${mail(subject)}.\r\n`);
    } finally {
      c.close();
    }
  }

  /** What fred (or ann) sees of a mailbox through the frontend: counters and every record. */
  async function view(user: string, mailbox: string): Promise<{ status: string[]; records: string[] }> {
    const imap = await Imap.open(front.imap, user);
    try {
      await imap.run('ENABLE CONDSTORE');
      const selected = await imap.run(`EXAMINE ${mailbox}`);
      const status = selected.filter((l) => /UIDVALIDITY|UIDNEXT|HIGHESTMODSEQ|EXISTS/.test(l)).sort();
      const records = (await imap.run('UID FETCH 1:* (UID FLAGS INTERNALDATE MODSEQ RFC822.SIZE)')).filter((l) => l.startsWith('* '));
      return { status, records };
    } finally {
      imap.close();
    }
  }

  /** Where the frontend's mirror puts `name` (its mupdate slave follows the master). */
  function mirroredOn(name: string): string | null {
    return entryOn(frontend, name)?.server ?? null;
  }

  beforeAll(async () => {
    imapPort = await freeCommonPort([A, B, B_REAL]);
    const pop3Port = await freeCommonPort([A, B]);
    const lmtpPort = await freeCommonPort([A, B]);

    const mupdate = tempServer('SERVICES {\n  mupdate cmd="mupdate -m" listen="127.0.0.1:0" prefork=1\n}\n', `${COMMON}servername: mupdate.test\nadmins: murder\n`);
    addUsers(mupdate, ['murder']);
    servers.push(mupdate);
    const mupdateMaster = RunningMaster.start(mupdate);
    masters.push(mupdateMaster);
    const mupdateAddress = hostPort(await mupdateMaster.address('mupdate', 30_000));
    const murderLogin = `mupdate_server: ${mupdateAddress.host}\nmupdate_port: ${mupdateAddress.port}\nmupdate_authname: murder\nmupdate_password: pass\nmupdate_retry_delay: 1\n`;
    // Only B makes INBOXes at a first login (the frontend's serverlist): a login on A for ann,
    // who reads a folder of fred's there, must not make her a second INBOX on A.
    const backendConf = (host: string) => `${COMMON}servername: ${host}\nadmins: murder\nproxyservers: proxy\n${host === B ? 'autocreate_quota: 0\n' : ''}allowusermoves: yes\n`
      + `proxy_authname: proxy\nproxy_password: pass\nmurder_imap_port: ${imapPort}\n${murderLogin}`;

    const startBackend = async (host: string, imapHost: string): Promise<[TempServer, RunningMaster]> => {
      const server = tempServer(
        'SERVICES {\n'
        + `  imap cmd="imapd" listen="${imapHost}:${imapPort}" prefork=1\n`
        + `  pop3 cmd="pop3d" listen="${host}:${pop3Port}" prefork=1\n`
        + `  lmtp cmd="lmtpd" listen="${host}:${lmtpPort}" prefork=1\n`
        + '}\n',
        backendConf(host),
      );
      appendFileSync(server.imapdConf, `sievedir: ${join(server.dir, 'sieve')}\n`);
      addUsers(server, ['murder', 'proxy', 'fred', 'ann']);
      servers.push(server);
      const master = RunningMaster.start(server);
      masters.push(master);
      await master.address('imap', 30_000);
      return [server, master];
    };
    [backendA, masterA] = await startBackend(A, A);
    [backendB] = await startBackend(B, B_REAL);
    relay = await Relay.start({ host: B, port: imapPort }, { host: B_REAL, port: imapPort });

    frontend = tempServer(
      'SERVICES {\n'
      + '  imap cmd="imapd" listen="127.0.0.1:0" prefork=1\n'
      + '  pop3 cmd="pop3d" listen="127.0.0.1:0" prefork=1\n'
      + '  lmtp cmd="lmtpd -a" listen="127.0.0.1:0" prefork=1\n'
      + '  mupdate cmd="mupdate" listen="127.0.0.1:0" prefork=1\n'
      + '}\n',
      `${COMMON}servername: frontend.test\nadmins: murder\nautocreate_quota: 0\n${murderLogin}proxy_authname: proxy\nproxy_password: pass\nserverlist: ${B}\n`
      + `murder_imap_port: ${imapPort}\nmurder_pop3_port: ${pop3Port}\nmurder_lmtp_port: ${lmtpPort}\n`,
    );
    addUsers(frontend, ['fred', 'ann', 'murder']);
    servers.push(frontend);
    const frontMaster = RunningMaster.start(frontend);
    masters.push(frontMaster);
    front = {
      imap: hostPort(await frontMaster.address('imap', 30_000)),
      pop3: await frontMaster.address('pop3', 30_000),
      lmtp: await frontMaster.address('lmtp', 30_000),
    };

    // fred lives on A: folders, mail with flags, keywords and an expunge, an ACL for ann, who reads
    // one of his messages (her \Seen), annotations, a quota, subscriptions and a Sieve script.
    const admin = await Imap.open({ host: A, port: imapPort }, 'murder');
    for (const command of ['CREATE user/fred', 'CREATE user/fred/Work', 'SETACL user/fred/Work ann lrs', 'SETQUOTA user/fred (STORAGE 100000)', 'CREATE shared', 'CREATE user/joe', 'SETACL user/joe murder lrsip']) {
      expect((await admin.run(command)).at(-1)).toMatch(/ OK/);
    }
    expect(await admin.append('user/joe', mail('for joe'))).toMatch(/ OK/);
    admin.close();
    await waitFor('fred in the mirror', () => mirroredOn('user.fred.Work') === A);
    for (let i = 1; i <= 4; i++) expect(await deliver('fred', `message ${i}`)).toMatch(/^250 /);
    const fred = await Imap.open(front.imap, 'fred');
    for (const command of [
      'SELECT INBOX', 'UID STORE 1 +FLAGS (\\Flagged $Label1)', 'UID STORE 2 +FLAGS (\\Seen)', 'UID STORE 3 +FLAGS (\\Deleted)', 'EXPUNGE',
      'SETMETADATA INBOX (/private/comment "fred\'s own" /shared/comment "everyone\'s")', 'SUBSCRIBE Work', 'COPY 1:2 Work',
    ]) expect((await fred.run(command)).at(-1)).toMatch(/ OK/);
    fred.close();
    // ann's first login through the frontend makes her INBOX on B.
    (await Imap.open(front.imap, 'ann')).close();
    await waitFor('ann on B', () => mirroredOn('user.ann') === B);
    const ann = await Imap.open(front.imap, 'ann');
    expect((await ann.run('SELECT "Other Users/fred/Work"')).at(-1)).toMatch(/ OK/);
    expect((await ann.run('UID STORE 1 +FLAGS (\\Seen)')).at(-1)).toMatch(/ OK/);
    ann.close();
    withStore(backendA, (store) => {
      store.sieveScripts.put('fred', 'vacation', Buffer.from('require "fileinto";\r\nkeep;\r\n'));
      store.sieveScripts.setActive('fred', 'vacation');
    });
  }, 180_000);

  afterAll(async () => {
    if (process.env.MURDER_E2E_LOGS) {
      for (const [i, m] of masters.entries()) for (const l of m.logs) if (l.level >= 40 || /xfer/i.test(JSON.stringify(l))) console.log(i, JSON.stringify(l).slice(0, 500));
    }
    await relay?.close();
    for (const m of masters.reverse()) await m.stop();
    for (const s of servers) s.cleanup();
  });

  it('refuses bad input and changes nothing', async () => {
    const fredFront = await Imap.open(front.imap, 'fred');
    expect((await fredFront.run(`XFER user/fred ${B}`)).at(-1)).toMatch(/^t\d+ NO \[NOPERM\]/);
    // His own INBOX, a remote mailbox there: refused as well (the frontend relays XFER for administrators only).
    expect((await fredFront.run(`XFER INBOX ${B}`)).at(-1)).toMatch(/^t\d+ NO \[NOPERM\]/);
    fredFront.close();
    const fredDirect = await Imap.open({ host: A, port: imapPort }, 'fred');
    expect((await fredDirect.run(`XFER user/fred ${B}`)).at(-1)).toMatch(/^t\d+ NO \[NOPERM\]/);
    fredDirect.close();
    const admin = await Imap.open({ host: A, port: imapPort }, 'murder');
    try {
      expect((await admin.run(`XFER user/nobody ${B}`)).at(-1)).toMatch(/^t\d+ NO \[NONEXISTENT\]/);
      expect((await admin.run(`XFER user/fred ${A}`)).at(-1)).toMatch(/^t\d+ NO \[CANNOT\] Invalid server/);
      expect((await admin.run('XFER user/fred 127.0.0.9')).at(-1)).toMatch(/^t\d+ NO \[UNAVAILABLE\] Server 127\.0\.0\.9 is unavailable/);
      expect((await admin.run('XFER user/fred')).at(-1)).toMatch(/^t\d+ BAD/);
      expect((await admin.run(`XFER user/fred ${B}!default other`)).at(-1)).toMatch(/^t\d+ BAD/);
      expect((await admin.run(`XFER "user/*" ${B}`)).at(-1)).toMatch(/^t\d+ NO \[CANNOT\]/);
      // B reached by another of its addresses: the master lists B's mailboxes under its servername only.
      expect((await admin.run(`XFER user/fred ${B_REAL}`)).at(-1)).toMatch(/^t\d+ NO .*calls itself 127\.0\.0\.3/);
      // The target refuses (it has no such partition): the move stops before anything is removed.
      const refused = await admin.run(`XFER user/fred ${B}!nosuchpartition`);
      expect(refused.at(-1)).toMatch(/^t\d+ NO .*127\.0\.0\.3 refused/);
      expect(refused).toContainEqual(expect.stringMatching(/^\* NO USER fred \(/));
      // An internal XFERRECV from someone who is not the proxy nor an administrator: refused.
      // (ann, whose INBOX is on B: a first login of fred there would make him an INBOX on B.)
      const annOnB = await Imap.open({ host: B, port: imapPort }, 'ann');
      expect((await annOnB.run('XFERRECV 0123456789abcdef ABORT')).at(-1)).toMatch(/^t\d+ NO \[NOPERM\]/);
      annOnB.close();
    } finally {
      admin.close();
    }
    expect(entryOn(backendA, 'user.fred')?.type).toEqual([]);
    await waitFor('no leftover reservation on B', () => entryOn(backendB, 'user.fred') === null);
    expect(mirroredOn('user.fred')).toBe(A);
    const fred = await Imap.open(front.imap, 'fred');
    expect(await fred.append('INBOX', mail('after the refusals'))).toMatch(/ OK/);
    fred.close();
  }, 60_000);

  it('holds writes while moving, and a link cut before the commit leaves the mailbox whole and writable on the source', async () => {
    relay.holdFrom(/XFERRECV [0-9a-f]+ COMMIT/);
    const admin = await Imap.open({ host: A, port: imapPort }, 'murder');
    const tag = admin.start(`XFER user/fred ${B}`);
    await relay.holding();
    // Frozen on A: reads go on, writes are refused for now, delivery is deferred (never lost).
    const fred = await Imap.open(front.imap, 'fred');
    expect((await fred.run('SELECT INBOX')).at(-1)).toMatch(/OK \[READ-ONLY\]/);
    expect((await fred.run('UID FETCH 1 (BODY[])')).at(-1)).toMatch(/ OK/);
    expect(await fred.append('INBOX', mail('during the move'))).toMatch(/NO \[INUSE\] Mailbox is being moved/);
    expect(await fred.append('Work', mail('during the move'))).toMatch(/NO \[INUSE\]/);
    expect((await fred.run('CREATE Later')).at(-1)).toMatch(/NO \[INUSE\]/);
    fred.close();
    expect(await deliver('fred', 'deferred')).toMatch(/^450 4\.2\.0 Mailbox is being moved/);
    // The target has it staged, reserved and invisible; the master still says A.
    expect(entryOn(backendB, 'user.fred')?.type).toEqual(['reserved']);
    expect(mirroredOn('user.fred')).toBe(A);

    relay.cutHeld();
    const answer = await admin.answer(tag);
    admin.close();
    expect(answer.at(-1)).toMatch(/^t\d+ NO \[UNAVAILABLE\]|^t\d+ NO .*did not take/);
    const after = await Imap.open(front.imap, 'fred');
    expect((await after.run('SELECT INBOX')).at(-1)).toMatch(/OK \[READ-WRITE\]/);
    expect(await after.append('INBOX', mail('after the cut'))).toMatch(/ OK/);
    after.close();
    await waitFor('the staging on B discarded', () => entryOn(backendB, 'user.fred') === null);
    expect(mirroredOn('user.fred')).toBe(A);
    withStore(backendA, (store) => expect(store.xferMoveOf('user.fred')).toBeNull());
  }, 90_000);

  it('kill -9 of the source while it waits for the commit: the restarted worker asks the target, which refuses the late commit', async () => {
    relay.holdFrom(/XFERRECV [0-9a-f]+ COMMIT/);
    const admin = await Imap.open({ host: A, port: imapPort }, 'murder');
    admin.start(`XFER user/fred ${B}`);
    await relay.holding();
    const pids = masterA.workerPids('imap');
    process.kill(pids.at(-1)!, 'SIGKILL');
    await waitFor('the client sees the source die', () => admin.closed);
    // A new worker's recovery asks B how the move ended: not committed, and now never will be.
    await waitFor('fred writable on A again', () => withStore(backendA, (store) => store.xferMoveOf('user.fred') === null), 60_000);
    // The COMMIT the dead source had sent reaches B only now: refused, nothing appears there.
    relay.release();
    await new Promise((r) => setTimeout(r, 500));
    await waitFor('nothing of fred on B', () => entryOn(backendB, 'user.fred') === null);
    expect(mirroredOn('user.fred')).toBe(A);
    const fred = await Imap.open(front.imap, 'fred');
    expect(await fred.append('INBOX', mail('after the crash'))).toMatch(/ OK/);
    fred.close();
  }, 90_000);

  it('moves fred whole through the frontend, even when the commit answer is lost; IMAP, LMTP and POP3 find him on B', async () => {
    const before = { inbox: await view('fred', 'INBOX'), work: await view('fred', 'Work'), annWork: await view('ann', '"Other Users/fred/Work"') };
    const fredImap = await Imap.open(front.imap, 'fred');
    const meta = (await fredImap.run('GETMETADATA INBOX (/private/comment /shared/comment)')).filter((l) => l.startsWith('* '));
    const quota = (await fredImap.run('GETQUOTAROOT INBOX')).filter((l) => l.startsWith('* '));
    const acl = (await fredImap.run('GETACL Work')).filter((l) => l.startsWith('* '));
    const lsub = (await fredImap.run('LSUB "" "*"')).filter((l) => l.startsWith('* '));
    fredImap.close();
    expect(meta.join(' ')).toContain("fred's own");
    expect(quota.join(' ')).toMatch(/STORAGE \d+ 100000/);

    // The target commits, but its answer never reaches the source; the link then dies.
    relay.holdFrom(/XFERRECV [0-9a-f]+ COMMIT/);
    const admin = await Imap.open(front.imap, 'murder');
    const tag = admin.start(`XFER user/fred ${B}`);
    await relay.holding();
    relay.release({ muteAnswers: true });
    await waitFor('fred committed on B', () => entryOn(backendB, 'user.fred')?.type.length === 0);
    relay.cutMuted();
    const answer = await admin.answer(tag, 60_000);
    admin.close();
    expect(answer).toContainEqual('* OK USER fred');
    expect(answer.at(-1)).toMatch(/^t\d+ OK .*moved to 127\.0\.0\.3/);

    // The master, the frontend and both backends agree: fred is on B, nothing of him on A.
    await waitFor('the mirror moved fred', () => mirroredOn('user.fred') === B && mirroredOn('user.fred.Work') === B);
    expect(entryOn(backendA, 'user.fred')).toBeNull();
    expect(entryOn(backendA, 'user.fred.Work')).toBeNull();
    withStore(backendA, (store) => {
      expect(store.sieveScripts.list('fred')).toEqual([]);
      expect(store.subscriptions('fred')).toEqual([]);
      expect(store.quotas.get('user.fred')).toBeNull();
    });
    withStore(backendB, (store) => {
      expect(store.sieveScripts.list('fred')).toEqual([{ name: 'vacation', active: true }]);
      expect(store.lookup('user.fred.Work')?.acl).toContain('ann\tlrs\t');
    });
    expect(await view('fred', 'INBOX')).toEqual(before.inbox);
    expect(await view('fred', 'Work')).toEqual(before.work);
    expect(await view('ann', '"Other Users/fred/Work"')).toEqual(before.annWork);
    const fredAfter = await Imap.open(front.imap, 'fred');
    expect((await fredAfter.run('GETMETADATA INBOX (/private/comment /shared/comment)')).filter((l) => l.startsWith('* '))).toEqual(meta);
    expect((await fredAfter.run('GETQUOTAROOT INBOX')).filter((l) => l.startsWith('* '))).toEqual(quota);
    expect((await fredAfter.run('GETACL Work')).filter((l) => l.startsWith('* '))).toEqual(acl);
    expect((await fredAfter.run('LSUB "" "*"')).filter((l) => l.startsWith('* '))).toEqual(lsub);
    fredAfter.close();

    // New mail goes to B; HIGHESTMODSEQ goes on from where it was.
    expect(await deliver('fred', 'on B now')).toMatch(/^250 /);
    const after = await view('fred', 'INBOX');
    const modseq = (v: typeof after) => Number(/HIGHESTMODSEQ (\d+)/.exec(v.status.join(' '))![1]);
    expect(modseq(after)).toBeGreaterThan(modseq(before.inbox));
    expect(after.records.length).toBe(before.inbox.records.length + 1);
    const pop = await LineClient.connect(front.pop3);
    try {
      await pop.line(/^\+OK/);
      pop.send('USER fred\r\nPASS pass\r\nSTAT\r\n');
      expect(await pop.line(/^\+OK \d+ \d+$/)).toBe(`+OK ${after.records.length} ${after.records.reduce((n, r) => n + Number(/RFC822\.SIZE (\d+)/.exec(r)![1]), 0)}`);
      pop.send('QUIT\r\n');
    } finally {
      pop.close();
    }
  }, 120_000);

  it('kill -9 of the source after the target committed: the restarted worker learns it and removes the copy once the master says so', async () => {
    relay.holdFrom(/XFERRECV [0-9a-f]+ COMMIT/);
    const admin = await Imap.open({ host: A, port: imapPort }, 'murder');
    admin.start(`XFER user/joe ${B}`);
    await relay.holding();
    relay.release({ muteAnswers: true });
    await waitFor('joe committed on B', () => entryOn(backendB, 'user.joe')?.type.length === 0);
    process.kill(masterA.workerPids('imap').at(-1)!, 'SIGKILL');
    await waitFor('the client sees the source die', () => admin.closed);
    relay.cutMuted();
    // The new worker's recovery: B says committed, the master lists joe on B: A's copy goes.
    await waitFor('joe gone from A, the move ended', () => entryOn(backendA, 'user.joe') === null && withStore(backendA, (store) => store.xferMoveOf('user.joe') === null), 60_000);
    await waitFor('the mirror has joe on B', () => mirroredOn('user.joe') === B);
    const onB = await Imap.open({ host: B, port: imapPort }, 'murder');
    expect((await onB.run('STATUS user/joe (MESSAGES)')).join(' ')).toMatch(/MESSAGES 1/);
    onB.close();
  }, 90_000);

  it.skipIf(!hasCyradm)("Cyrus's cyradm xfer, on the source backend, moves a user and a shared mailbox", async () => {
    expect(mirroredOn('user.ann')).toBe(B);
    // cyradm talks to the backend that holds the mailbox, as with Cyrus.
    const run = (host: string, script: string) => new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      const child = execFile('cyradm', ['--norc', '-u', 'murder', '-w', 'pass', '-p', String(imapPort), host], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
        if (err && err.killed) reject(err);
        else resolve({ stdout, stderr });
      });
      child.stdin!.end(script);
    });
    const out = await run(B, `xfer user/ann ${A}\n`);
    expect(out.stderr).not.toMatch(/error|NO /i);
    await waitFor('ann moved to A', () => mirroredOn('user.ann') === A);
    expect(entryOn(backendB, 'user.ann')).toBeNull();
    // A shared mailbox, named with a partition (cyradm's third argument), back from A to B.
    const shared = await run(A, `xfer shared ${B} default\n`);
    expect(shared.stderr).not.toMatch(/error|NO /i);
    await waitFor('shared on B', () => mirroredOn('shared') === B);
    expect(entryOn(backendA, 'shared')).toBeNull();
  }, 90_000);
});
