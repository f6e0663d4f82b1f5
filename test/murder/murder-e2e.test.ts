// A whole discrete Murder on one machine, each server a master process of its own as an
// installation runs it: a mupdate master, two backends (127.0.0.2 and 127.0.0.3, pushing their
// mailbox lists to it) and a frontend (127.0.0.1, whose mupdate slave mirrors the list) that users
// reach over IMAP, POP3 and LMTP without knowing where their mail lives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { ImapdConfig } from '../../src/config/index.js';
import { MailStore, type MailboxEntry } from '../../src/store/index.js';
import { addUsers, LineClient, RunningMaster, tempServer, type TempServer } from '../master/helpers.js';
import { freeCommonPort } from './net.js';

const BACKENDS = ['127.0.0.2', '127.0.0.3'] as const;
const COMMON = 'allowplaintext: yes\nfsync_disabled: yes\nauth_failure_delay: 0\n';

/** Lines received from `from` on until one matches `end`. */
async function until(client: LineClient, from: number, end: RegExp, ms = 20_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = client.received.slice(from);
    if (got.some((l) => end.test(l))) return got;
    if (Date.now() > deadline) throw new Error(`no ${end} within ${ms} ms; got ${JSON.stringify(got)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function waitFor<T>(what: string, test: () => T | null | undefined | false, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = test();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function hostPort(address: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(address)!;
  return { host: m[1]!, port: Number(m[2]) };
}

describe('a discrete Murder: mupdate master, two backends, one frontend', () => {
  const servers: TempServer[] = [];
  const masters: RunningMaster[] = [];
  let frontend: TempServer;
  let frontImap: string;
  let frontPop3: string;
  let frontLmtp: string;
  const backendImap: string[] = [];

  /** The frontend's mirror entry of `name`, read fresh. */
  function mirrored(name: string): MailboxEntry | null {
    const store = MailStore.open({ config: ImapdConfig.load(frontend.imapdConf) });
    try {
      return store.lookup(name);
    } finally {
      store.close();
    }
  }

  async function imapAdmin(address: string, commands: string[]): Promise<string[]> {
    const c = await LineClient.connect(address);
    try {
      await until(c, 0, /^\* OK/);
      let at = c.received.length;
      c.send('a LOGIN murder pass\r\n');
      expect((await until(c, at, /^a (OK|NO|BAD)/)).at(-1)).toMatch(/^a OK/);
      const out: string[] = [];
      for (const [i, command] of commands.entries()) {
        at = c.received.length;
        c.send(`c${i} ${command}\r\n`);
        out.push((await until(c, at, new RegExp(`^c${i} (OK|NO|BAD)`))).at(-1)!);
      }
      c.send('z LOGOUT\r\n');
      return out;
    } finally {
      c.close();
    }
  }

  beforeAll(async () => {
    const [imapPort, pop3Port, lmtpPort] = [await freeCommonPort(BACKENDS), await freeCommonPort(BACKENDS), await freeCommonPort(BACKENDS)];

    const mupdate = tempServer('SERVICES {\n  mupdate cmd="mupdate -m" listen="127.0.0.1:0" prefork=1\n}\n', `${COMMON}servername: mupdate.test\nadmins: murder\n`);
    addUsers(mupdate, ['murder']);
    servers.push(mupdate);
    const mupdateMaster = RunningMaster.start(mupdate);
    masters.push(mupdateMaster);
    const mupdateAddress = hostPort(await mupdateMaster.address('mupdate', 30_000));
    const murderLogin = `mupdate_server: ${mupdateAddress.host}\nmupdate_port: ${mupdateAddress.port}\nmupdate_authname: murder\nmupdate_password: pass\nmupdate_retry_delay: 1\n`;

    for (const host of BACKENDS) {
      const backend = tempServer(
        'SERVICES {\n'
        + `  imap cmd="imapd" listen="${host}:${imapPort}" prefork=1\n`
        + `  pop3 cmd="pop3d" listen="${host}:${pop3Port}" prefork=1\n`
        + `  lmtp cmd="lmtpd" listen="${host}:${lmtpPort}" prefork=1\n`
        + '}\n',
        `${COMMON}servername: ${host}\nadmins: murder\nproxyservers: proxy\nautocreate_quota: 0\n${murderLogin}`,
      );
      addUsers(backend, ['murder', 'proxy', 'fred', 'ann']);
      servers.push(backend);
      const master = RunningMaster.start(backend);
      masters.push(master);
      backendImap.push(await master.address('imap', 30_000));
    }

    frontend = tempServer(
      'SERVICES {\n'
      + '  imap cmd="imapd" listen="127.0.0.1:0" prefork=1\n'
      + '  pop3 cmd="pop3d" listen="127.0.0.1:0" prefork=1\n'
      + '  lmtp cmd="lmtpd -a" listen="127.0.0.1:0" prefork=1\n'
      + '  mupdate cmd="mupdate" listen="127.0.0.1:0" prefork=1\n'
      + '}\n',
      `${COMMON}servername: frontend.test\nautocreate_quota: 0\n${murderLogin}proxy_authname: proxy\nproxy_password: pass\nserverlist: ${BACKENDS[1]}\n`
      + `murder_imap_port: ${imapPort}\nmurder_pop3_port: ${pop3Port}\nmurder_lmtp_port: ${lmtpPort}\n`,
    );
    addUsers(frontend, ['fred', 'ann']);
    servers.push(frontend);
    const front = RunningMaster.start(frontend);
    masters.push(front);
    frontImap = await front.address('imap', 30_000);
    frontPop3 = await front.address('pop3', 30_000);
    frontLmtp = await front.address('lmtp', 30_000);

    // The admin creates fred on the first backend, as with cyradm; ann is new to the Murder: her
    // first login on the frontend places her INBOX on the serverlist backend (the second).
    expect(await imapAdmin(backendImap[0]!, ['CREATE user/fred'])).toEqual([expect.stringMatching(/^c0 OK/)]);
    const { host, port } = hostPort(frontImap);
    const ann = new ImapFlow({ host, port, secure: false, auth: { user: 'ann', pass: 'pass' }, logger: false });
    await ann.connect();
    await ann.logout();
  }, 120_000);

  afterAll(async () => {
    if (process.env.MURDER_E2E_LOGS) {
      for (const [i, m] of masters.entries()) {
        for (const l of m.logs) if (l.level >= 40 || /mupdate|push|mirror|slave|proxy|backend|INBOX|login|closed/i.test(JSON.stringify(l))) console.log(i, JSON.stringify(l).slice(0, 400));
      }
    }
    for (const m of masters.reverse()) await m.stop();
    for (const s of servers) s.cleanup();
  });

  it("the frontend's mirror learns where each user's mailboxes are", async () => {
    const fred = await waitFor('user.fred in the mirror', () => mirrored('user.fred'));
    const ann = await waitFor('user.ann in the mirror', () => mirrored('user.ann'));
    expect(fred).toMatchObject({ server: '127.0.0.2', partition: 'default' });
    expect(ann).toMatchObject({ server: '127.0.0.3', partition: 'default' });
    expect(fred.acl).toContain('fred\t');
    // The frontend keeps no mailbox of its own: every entry is a backend's.
    const store = MailStore.open({ config: ImapdConfig.load(frontend.imapdConf) });
    try {
      expect(store.list('*', { includeReserved: true }).filter((e) => !e.type.includes('remote'))).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('LMTP to the frontend delivers to each backend, IMAP and POP3 through the frontend read it', async () => {
    await waitFor('both users mirrored', () => mirrored('user.fred') && mirrored('user.ann'));
    const c = await LineClient.connect(frontLmtp);
    try {
      await until(c, 0, /^220 /);
      const step = async (line: string): Promise<string> => {
        const at = c.received.length;
        c.send(line);
        return (await until(c, at, /^\d{3} /)).at(-1)!;
      };
      expect(await step('LHLO mta.example\r\n')).toMatch(/^250 /);
      expect(await step('MAIL FROM:<sender@example.org>\r\n')).toMatch(/^250 /);
      expect(await step('RCPT TO:<fred>\r\n')).toMatch(/^250 /);
      expect(await step('RCPT TO:<ann>\r\n')).toMatch(/^250 /);
      expect(await step('RCPT TO:<nobody>\r\n')).toMatch(/^550 /);
      const at = c.received.length;
      c.send('DATA\r\n');
      await until(c, at, /^354 /);
      const at2 = c.received.length;
      c.send('From: sender@example.org\r\nSubject: across the murder\r\nMessage-ID: <e2e-1@example.org>\r\n\r\nhello\r\n.\r\n');
      const replies = await until(c, at2, /^\d{3} [\s\S]*$/);
      await waitFor('two per-recipient replies', () => c.received.slice(at2).filter((l) => /^\d{3} /.test(l)).length >= 2);
      expect(c.received.slice(at2).filter((l) => /^\d{3} /.test(l)).slice(0, 2)).toEqual([expect.stringMatching(/^250 /), expect.stringMatching(/^250 /)]);
      expect(replies.length).toBeGreaterThan(0);
    } finally {
      c.close();
    }

    const { host, port } = hostPort(frontImap);
    const client = new ImapFlow({ host, port, secure: false, auth: { user: 'fred', pass: 'pass' }, logger: false });
    await client.connect();
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        const subjects: string[] = [];
        for await (const msg of client.fetch('1:*', { envelope: true })) subjects.push(msg.envelope?.subject ?? '');
        expect(subjects).toEqual(['across the murder']);
      } finally {
        lock.release();
      }
      // A folder made through the frontend lands on fred's backend and is listed at once.
      await client.mailboxCreate('Work');
      const names = (await client.list()).map((m) => m.path);
      expect(names).toEqual(expect.arrayContaining(['INBOX', 'Work']));
      expect(await imapAdmin(backendImap[0]!, ['GETACL user/fred/Work'])).toEqual([expect.stringMatching(/^c0 OK/)]);
    } finally {
      await client.logout();
    }

    const pop = await LineClient.connect(frontPop3);
    try {
      await until(pop, 0, /^\+OK/);
      const step = async (line: string, end: RegExp): Promise<string[]> => {
        const at = pop.received.length;
        pop.send(line);
        return until(pop, at, end);
      };
      expect((await step('USER ann\r\n', /^[+-]/)).at(-1)).toMatch(/^\+OK/);
      expect((await step('PASS pass\r\n', /^[+-]/)).at(-1)).toMatch(/^\+OK/);
      expect((await step('STAT\r\n', /^[+-]/)).at(-1)).toMatch(/^\+OK 1 /);
      const message = await step('RETR 1\r\n', /^\.$/);
      expect(message).toContain('Subject: across the murder');
      await step('QUIT\r\n', /^\+OK/);
    } finally {
      pop.close();
    }
  }, 90_000);
});
