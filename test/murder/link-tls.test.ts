// TLS on the links between the servers of a Murder: a mupdate master, a backend (127.0.0.2) and a
// frontend (127.0.0.1), each a master process, with certificates of a test CA. The backend's push
// to the master, the frontend's slave, and the frontend's IMAP, POP3 and LMTP links to the backend
// all start TLS and verify the peer; a peer whose certificate is of another CA, and a peer without
// STARTTLS, are handled as murder_tls says. The master and the backend's imap, pop3 and lmtp
// services refuse plaintext logins (allowplaintext: no), so every login there that works was made
// over TLS, as the servers themselves saw it (the backend's "admin" imapd is for the test's CREATE).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendConnection, BackendUnavailable } from '../../src/imap/proxy/backend.js';
import { connect as tcpConnect } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { ImapdConfig } from '../../src/config/index.js';
import { connectMupdate, linkTlsFromConfig, startLinkTls, wantStartTls, LinkTlsError, type LinkTls } from '../../src/murder/index.js';
import { addUsers, LineClient, RunningMaster, tempServer, type LogLine, type TempServer } from '../master/helpers.js';
import { freeCommonPort } from './net.js';

const BACKEND = '127.0.0.2';
const COMMON = 'allowplaintext: yes\nfsync_disabled: yes\nauth_failure_delay: 0\n';

let certs: string;
const servers: TempServer[] = [];
const masters: RunningMaster[] = [];
let mupdateMaster: RunningMaster;
let backendMaster: RunningMaster;
let frontMaster: RunningMaster;
let wrongCaMaster: RunningMaster;
let wrongCaImap: string;
let mupdateAddress: { host: string; port: number };
let backendImap: { host: string; port: number };
let frontImap: { host: string; port: number };
let frontPop3: string;
let frontLmtp: string;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore', cwd: certs });
}

/** A CA (NAME-ca.pem, NAME-ca.key) and a server certificate it signs for 127.0.0.1, 127.0.0.2 and localhost (NAME-server.pem/.key). */
function makeCa(name: string): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-ca.key`, '-out', `${name}-ca.pem`, '-days', '1', '-subj', `/CN=${name} test CA`);
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-server.key`, '-out', `${name}-server.csr`, '-subj', '/CN=localhost');
  writeFileSync(join(certs, 'san.ext'), 'subjectAltName=IP:127.0.0.1,IP:127.0.0.2,DNS:localhost\n');
  openssl('x509', '-req', '-in', `${name}-server.csr`, '-CA', `${name}-ca.pem`, '-CAkey', `${name}-ca.key`, '-CAcreateserial', '-out', `${name}-server.pem`, '-days', '1', '-extfile', 'san.ext');
}

function hostPort(address: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(address)!;
  return { host: m[1]!, port: Number(m[2]) };
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

async function until(client: LineClient, from: number, end: RegExp, ms = 20_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = client.received.slice(from);
    if (got.some((l) => end.test(l))) return got;
    if (Date.now() > deadline) throw new Error(`no ${end} within ${ms} ms; got ${JSON.stringify(got)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function tlsWith(mode: LinkTls['mode'], caName: string): LinkTls {
  return { mode, ca: [readFileSync(join(certs, `${caName}-ca.pem`))], clientCert: new Map(), protocol: null, problem: null };
}

function capture(): { logger: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) }), lines };
}

beforeAll(async () => {
  certs = mkdtempSync(join(tmpdir(), 'cyrusts-link-tls-'));
  makeCa('good');
  makeCa('other');
  const serverTls = `tls_server_cert: ${certs}/good-server.pem\ntls_server_key: ${certs}/good-server.key\n`;
  const clientTls = `tls_server_ca_file: ${certs}/good-ca.pem\nmurder_tls: required\n`;

  const mupdate = tempServer('SERVICES {\n  mupdate cmd="mupdate -m" listen="127.0.0.1:0" prefork=1\n}\n', `${COMMON}${serverTls}servername: mupdate.test\nadmins: murder\nallowplaintext: no\n`);
  addUsers(mupdate, ['murder']);
  servers.push(mupdate);
  mupdateMaster = RunningMaster.start(mupdate);
  masters.push(mupdateMaster);
  mupdateAddress = hostPort(await mupdateMaster.address('mupdate', 30_000));
  const murderLogin = `mupdate_server: ${mupdateAddress.host}\nmupdate_port: ${mupdateAddress.port}\nmupdate_authname: murder\nmupdate_password: pass\nmupdate_retry_delay: 1\n`;

  const [imapPort, pop3Port, lmtpPort] = [await freeCommonPort([BACKEND]), await freeCommonPort([BACKEND]), await freeCommonPort([BACKEND])];
  const backend = tempServer(
    `SERVICES {\n  imap cmd="imapd" listen="${BACKEND}:${imapPort}" prefork=1\n  pop3 cmd="pop3d" listen="${BACKEND}:${pop3Port}" prefork=1\n  lmtp cmd="lmtpd" listen="${BACKEND}:${lmtpPort}" prefork=1\n  admin cmd="imapd" listen="${BACKEND}:0" prefork=1\n}\n`,
    `${COMMON}${serverTls}${clientTls}servername: ${BACKEND}\nadmins: murder\nproxyservers: proxy\n${murderLogin}`
    + 'imap_allowplaintext: no\npop3_allowplaintext: no\nlmtp_allowplaintext: no\n',
  );
  addUsers(backend, ['murder', 'proxy', 'fred']);
  servers.push(backend);
  backendMaster = RunningMaster.start(backend);
  masters.push(backendMaster);
  backendImap = hostPort(await backendMaster.address('imap', 30_000));
  const backendAdmin = await backendMaster.address('admin', 30_000);

  // The frontend has no certificate of its own: it offers no STARTTLS (the peer without it below).
  const frontend = tempServer(
    'SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0" prefork=1\n  pop3 cmd="pop3d" listen="127.0.0.1:0" prefork=1\n'
    + '  lmtp cmd="lmtpd -a" listen="127.0.0.1:0" prefork=1\n  mupdate cmd="mupdate" listen="127.0.0.1:0" prefork=1\n}\n',
    `${COMMON}${clientTls}servername: frontend.test\n${murderLogin}proxy_authname: proxy\nproxy_password: pass\n`
    + `murder_imap_port: ${imapPort}\nmurder_pop3_port: ${pop3Port}\nmurder_lmtp_port: ${lmtpPort}\n`,
  );
  addUsers(frontend, ['fred']);
  servers.push(frontend);
  frontMaster = RunningMaster.start(frontend);
  masters.push(frontMaster);
  frontImap = hostPort(await frontMaster.address('imap', 30_000));
  frontPop3 = await frontMaster.address('pop3', 30_000);
  frontLmtp = await frontMaster.address('lmtp', 30_000);

  // A second frontend whose imapd trusts another CA (imap_tls_server_ca_file), its mupdate slave the right one.
  const wrongCa = tempServer(
    'SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0" prefork=1\n  mupdate cmd="mupdate" listen="127.0.0.1:0" prefork=1\n}\n',
    `${COMMON}${clientTls}imap_tls_server_ca_file: ${certs}/other-ca.pem\nservername: frontend2.test\n${murderLogin}proxy_authname: proxy\nproxy_password: pass\nmurder_imap_port: ${imapPort}\n`,
  );
  addUsers(wrongCa, ['fred']);
  servers.push(wrongCa);
  wrongCaMaster = RunningMaster.start(wrongCa);
  masters.push(wrongCaMaster);
  wrongCaImap = await wrongCaMaster.address('imap', 30_000);

  // The admin makes fred's INBOX on the backend: the backend pushes it to the master.
  const admin = await LineClient.connect(backendAdmin);
  try {
    await until(admin, 0, /^\* OK/);
    let at = admin.received.length;
    admin.send('a LOGIN murder pass\r\n');
    expect((await until(admin, at, /^a (OK|NO|BAD)/)).at(-1)).toMatch(/^a OK/);
    at = admin.received.length;
    admin.send('b CREATE user/fred\r\n');
    expect((await until(admin, at, /^b (OK|NO|BAD)/)).at(-1)).toMatch(/^b OK/);
    admin.send('z LOGOUT\r\n');
  } finally {
    admin.close();
  }
}, 120_000);

afterAll(async () => {
  if (process.env.LINK_TLS_LOGS) {
    for (const [i, m] of masters.entries()) for (const l of m.logs) if (l.level >= 30) console.log(i, JSON.stringify(l).slice(0, 400));
  }
  for (const m of masters.reverse()) await m.stop();
  for (const s of servers) s.cleanup();
  if (certs) rmSync(certs, { recursive: true, force: true });
});

describe('TLS on the links between Murder servers', () => {
  it('the backend pushes to the mupdate master over TLS, and the frontend slave mirrors over TLS', async () => {
    await waitFor('the backend connected to the master', () => backendMaster.logs.find((l) => l.msg === 'connected to the mupdate master'));
    expect(backendMaster.logs.filter((l) => l.msg === 'connected to the mupdate master').every((l) => l.tls === true)).toBe(true);
    const slave = await waitFor('the slave connected', () => frontMaster.logs.find((l) => l.msg === 'mupdate slave: connected to the master'));
    expect(slave.tls).toBe(true);
  });

  it("the frontend's IMAP link to the backend runs over TLS", async () => {
    // The mirror must know user.fred before the frontend proxies fred's INBOX.
    await waitFor('fred mirrored', () => frontMaster.logs.some((l) => l.msg === 'mupdate slave: connected to the master'));
    await new Promise((r) => setTimeout(r, 500));
    const fred = new ImapFlow({ host: frontImap.host, port: frontImap.port, secure: false, auth: { user: 'fred', pass: 'pass' }, logger: false });
    await fred.connect();
    const box = await fred.mailboxOpen('INBOX');
    expect(box.path).toBe('INBOX');
    await fred.logout();
    const opened = frontMaster.logs.filter((l) => l.msg === 'backend connection opened' && l.backend === BACKEND);
    expect(opened.length).toBeGreaterThan(0);
    expect(opened.every((l) => l.tls === true)).toBe(true);
  });

  it("the frontend's POP3 and LMTP links to the backend run over TLS", async () => {
    const lmtp = await LineClient.connect(frontLmtp);
    try {
      await until(lmtp, 0, /^220 /);
      const step = async (line: string): Promise<string> => {
        const at = lmtp.received.length;
        lmtp.send(line);
        return (await until(lmtp, at, /^\d{3} /)).at(-1)!;
      };
      expect(await step('LHLO mta.example\r\n')).toMatch(/^250 /);
      expect(await step('MAIL FROM:<sender@example.org>\r\n')).toMatch(/^250 /);
      expect(await step('RCPT TO:<fred>\r\n')).toMatch(/^250 /);
      expect(await step('DATA\r\n')).toMatch(/^354 /);
      expect(await step('Subject: over TLS\r\n\r\nhello\r\n.\r\n')).toMatch(/^250 /);
    } finally {
      lmtp.close();
    }
    const pop = await LineClient.connect(frontPop3);
    try {
      await until(pop, 0, /^\+OK/);
      let at = pop.received.length;
      pop.send('USER fred\r\n');
      await until(pop, at, /^[+-]/);
      at = pop.received.length;
      pop.send('PASS pass\r\n');
      expect((await until(pop, at, /^[+-]/)).at(-1)).toMatch(/^\+OK/);
      at = pop.received.length;
      pop.send('STAT\r\n');
      expect((await until(pop, at, /^[+-]/)).at(-1)).toMatch(/^\+OK 1 /);
      pop.send('QUIT\r\n');
    } finally {
      pop.close();
    }
    const lmtpLink = frontMaster.logs.filter((l) => l.msg === 'backend connection opened' && l.server === BACKEND && l.user === undefined);
    const popLink = frontMaster.logs.filter((l) => l.msg === 'backend connection opened' && l.server === BACKEND && l.user === 'fred');
    expect(lmtpLink.length).toBeGreaterThan(0);
    expect(popLink.length).toBeGreaterThan(0);
    expect([...lmtpLink, ...popLink].every((l) => l.tls === true)).toBe(true);
  });

  it('a frontend that trusts another CA answers NO [UNAVAILABLE] and logs why', async () => {
    await waitFor('the second frontend mirrors user.fred', () => wrongCaMaster.logs.find((l) => l.msg === 'mupdate slave: mirror in step with the master' && l.mailboxes === 1));
    const c = await LineClient.connect(wrongCaImap);
    try {
      await until(c, 0, /^\* OK/);
      let at = c.received.length;
      c.send('a LOGIN fred pass\r\n');
      expect((await until(c, at, /^a (OK|NO|BAD)/)).at(-1)).toMatch(/^a OK/);
      at = c.received.length;
      c.send('s SELECT INBOX\r\n');
      expect((await until(c, at, /^s (OK|NO|BAD)/)).at(-1)).toMatch(/^s NO \[UNAVAILABLE\]/);
      c.send('z LOGOUT\r\n');
    } finally {
      c.close();
    }
    const failed = await waitFor('the TLS failure logged', () => wrongCaMaster.logs.find((l) => l.msg === 'TLS to the backend failed: not used'));
    expect(failed.level).toBe(50);
    expect(failed.err).toMatch(/^TLS with 127\.0\.0\.2 failed: .*certificate/);
  });

  it("a backend whose certificate is not of the configured CA is not used, and the reason is logged", async () => {
    const { logger, lines } = capture();
    const login = { authname: 'proxy', password: 'pass', userid: 'fred' };
    const refused = BackendConnection.open(BACKEND, backendImap, login, logger, tlsWith('required', 'other'));
    await expect(refused).rejects.toBeInstanceOf(BackendUnavailable);
    await expect(refused).rejects.toThrow(/TLS with 127\.0\.0\.2 failed: .*certificate/);
    expect(lines.find((l) => l.msg === 'TLS to the backend failed: not used')?.err).toMatch(/certificate/);
    // optional does not mean unchecked: a certificate that does not verify fails the link too.
    await expect(BackendConnection.open(BACKEND, backendImap, login, logger, tlsWith('optional', 'other'))).rejects.toThrow(/certificate/);
    // The right CA: the same link works, over TLS.
    const good = await BackendConnection.open(BACKEND, backendImap, login, logger, tlsWith('required', 'good'));
    expect(good.secure).toBe(true);
    good.close();
  });

  it('a mupdate master whose certificate is not of the configured CA is refused', async () => {
    const options = { host: mupdateAddress.host, port: mupdateAddress.port, authname: 'murder', password: 'pass' };
    const refused = connectMupdate({ ...options, tls: tlsWith('required', 'other') });
    await expect(refused).rejects.toThrow(/TLS with 127\.0\.0\.1 failed: .*certificate/);
    await expect(refused).rejects.toMatchObject({ name: 'MupdateError', reason: 'tls' });
    const good = await connectMupdate({ ...options, tls: tlsWith('required', 'good') });
    expect(good.secure).toBe(true);
    await good.close();
  });

  it('a peer without STARTTLS: refused when murder_tls is required, used in the clear when optional', async () => {
    // The frontend's own IMAP offers no STARTTLS (it has no certificate).
    const { logger, lines } = capture();
    const login = { authname: 'fred', password: 'pass', userid: '' };
    await expect(BackendConnection.open('frontend.test', frontImap, login, logger, tlsWith('required', 'good'))).rejects.toThrow('backend frontend.test does not offer STARTTLS and murder_tls is required');
    expect(lines.some((l) => l.level === 50 && l.msg === 'TLS to the backend failed: not used')).toBe(true);
    const plain = await BackendConnection.open('frontend.test', frontImap, login, logger, tlsWith('optional', 'good'));
    expect(plain.secure).toBe(false);
    plain.close();
  });
});

describe('linkTlsFromConfig and the client certificate', () => {
  it('reads the CA and tls_client_cert / tls_client_key from imapd.conf, and presents the certificate', async () => {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=frontend client');
    openssl('x509', '-req', '-in', 'client.csr', '-CA', 'good-ca.pem', '-CAkey', 'good-ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '1');
    const config = ImapdConfig.fromText(`tls_server_ca_file: ${certs}/good-ca.pem\ntls_client_cert: ${certs}/client.pem\ntls_client_key: ${certs}/client.key\n`);
    const tls = linkTlsFromConfig(config);
    expect(tls).toMatchObject({ mode: 'optional', problem: null });
    expect(tls.ca).toHaveLength(1);
    const presented: string[] = [];
    const server = createTlsServer({ cert: readFileSync(join(certs, 'good-server.pem')), key: readFileSync(join(certs, 'good-server.key')), requestCert: true, rejectUnauthorized: false }, (s: TLSSocket) => {
      presented.push(String(s.getPeerCertificate().subject?.CN ?? ''));
      s.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const plain = tcpConnect({ host: '127.0.0.1', port });
      await new Promise((r) => plain.once('connect', r));
      const secure = await startLinkTls(plain, tls, '127.0.0.1', 5_000);
      await new Promise((r) => secure.once('close', r));
      expect(presented).toEqual(['frontend client']);
    } finally {
      server.close();
    }
  });

  it('tls_versions and tls_ciphers hold on the links too', async () => {
    // A peer that speaks TLS 1.2 only, with two ciphers.
    const server = createTlsServer({ cert: readFileSync(join(certs, 'good-server.pem')), key: readFileSync(join(certs, 'good-server.key')), maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384' }, (s: TLSSocket) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const link = async (lines: string): Promise<string> => {
      const tls = linkTlsFromConfig(ImapdConfig.fromText(`tls_server_ca_file: ${certs}/good-ca.pem\n${lines}`));
      const plain = tcpConnect({ host: '127.0.0.1', port });
      await new Promise((r) => plain.once('connect', r));
      try {
        const secure = await startLinkTls(plain, tls, '127.0.0.1', 5_000);
        const what = `${secure.getProtocol()} ${secure.getCipher().name}`;
        secure.destroy();
        return what;
      } catch (err) {
        expect(err).toBeInstanceOf(LinkTlsError);
        return 'refused';
      }
    };
    try {
      expect(await link('')).toMatch(/^TLSv1\.2 /);
      expect(await link('tls_versions: tls1_3\n')).toBe('refused');
      expect(await link('tls_ciphers: ECDHE-RSA-AES256-GCM-SHA384\n')).toBe('TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384');
      expect(await link('tls_ciphers: ECDHE-ECDSA-AES128-GCM-SHA256\n')).toBe('refused');
    } finally {
      server.close();
    }
  });

  it('HOST_client_cert / HOST_client_key give one peer its own certificate (full or short host name)', () => {
    const config = ImapdConfig.fromText(`tls_server_ca_file: ${certs}/good-ca.pem\nbackend1_client_cert: ${certs}/client.pem\nbackend1_client_key: ${certs}/client.key\n`);
    expect(config.warnings).toEqual([]);
    expect([...linkTlsFromConfig(config).clientCert.keys()]).toEqual(['backend1']);
  });

  it('a CA file that cannot be read is kept as the problem, and required links fail with it', () => {
    const tls = linkTlsFromConfig(ImapdConfig.fromText(`tls_server_ca_file: ${certs}/missing.pem\nmurder_tls: required\n`));
    expect(tls.problem).toMatch(/missing\.pem/);
    expect(() => wantStartTls(tls, true, 'peer')).toThrow(/missing\.pem/);
  });
});

describe('wantStartTls', () => {
  const ca = [Buffer.from('x')];
  const base = { clientCert: new Map(), protocol: null, problem: null };
  it.each([
    ['off', ca, true, false],
    ['optional', ca, true, true],
    ['optional', ca, false, false],
    ['optional', [], true, false],
    ['required', ca, true, true],
  ] as const)('mode %s, CAs %j, offered %s → %s', (mode, cas, offered, want) => {
    expect(wantStartTls({ ...base, mode, ca: [...cas] }, offered, 'peer')).toBe(want);
  });

  it('required: no STARTTLS, no CA, or unreadable settings is an error', () => {
    expect(() => wantStartTls({ ...base, mode: 'required', ca }, false, 'peer')).toThrow(LinkTlsError);
    expect(() => wantStartTls({ ...base, mode: 'required', ca: [] }, true, 'peer')).toThrow(/neither tls_server_ca_file nor tls_server_ca_dir/);
    expect(() => wantStartTls({ ...base, mode: 'required', ca, problem: 'cannot read' }, true, 'peer')).toThrow('cannot read');
  });
});
