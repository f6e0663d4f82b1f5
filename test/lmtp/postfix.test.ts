// A real MTA: Debian's postfix, started by the test with its own throwaway configuration
// (`postfix -c DIR`, no listener of its own, loopback only), delivering to us through
// lmtp:unix: and lmtp:inet:. A message submitted with its sendmail lands in the mailbox; a message
// to an unknown user bounces (the bounce itself is delivered to the sender's mailbox); a message to
// an over-quota user stays in postfix's queue (deferred). A Sieve redirect with redirect-dsn's
// :notify goes back out through the same postfix's sendmail (-bs), and postfix honours the NOTIFY.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLmtp, storedMessages, type TestLmtp } from './harness.js';
import { activate } from './sieve-helpers.js';

const POSTFIX = existsSync('/usr/sbin/postfix') && existsSync('/etc/postfix/postfix-files') && process.getuid?.() === 0;
const NO_LIMITS = { STORAGE: null, MESSAGE: null, MAILBOX: null };

let server: TestLmtp;
let dir: string;
/** Our `sendmail`: postfix's, on the test's postfix configuration; and the users' sievedir. */
let sieveSide: string;

const MASTER_CF = `
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;

function postfix(...args: string[]): string {
  const result = spawnSync('/usr/sbin/postfix', ['-c', dir, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`postfix ${args.join(' ')}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

function sendmail(from: string, to: string, id: string): void {
  const result = spawnSync('/usr/sbin/sendmail', ['-C', dir, '-oi', '-f', from, to], {
    input: `From: ${from}\nTo: ${to}\nSubject: via postfix\nMessage-ID: <${id}>\n\nhello from postfix\n`,
  });
  if (result.status !== 0) throw new Error(`sendmail: ${result.stderr.toString()}`);
}

async function until<T>(what: string, test: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await test();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; maillog:\n${maillog()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function maillog(): string {
  try {
    return readFileSync(join(dir, 'maillog'), 'utf8');
  } catch {
    return '';
  }
}

describe.skipIf(!POSTFIX)('postfix as the MTA', () => {
  beforeAll(async () => {
    sieveSide = mkdtempSync(join(tmpdir(), 'cyrusts-postfix-sieve-'));
    server = await startTestLmtp({
      users: ['fred', 'bounce', 'full', 'joe', 'dsn'], preauthorized: true,
      conf: [`sievedir: ${join(sieveSide, 'sieve')}`, `sendmail: ${join(sieveSide, 'sendmail')}`],
    });
    server.store.setQuota('user.full', { ...NO_LIMITS, MESSAGE: 0 });
    dir = join(server.dir, 'postfix');
    mkdirSync(join(dir, 'queue'), { recursive: true });
    mkdirSync(join(dir, 'data'), { recursive: true });
    // postfix's daemons run as the postfix user: they must reach the queue and the LMTP socket.
    for (let d = dirname(server.socketPath); d.startsWith(server.dir); d = dirname(d)) chmodSync(d, 0o755);
    chmodSync(server.socketPath, 0o777);
    execFileSync('chown', ['postfix', join(dir, 'data')]);
    writeFileSync(join(dir, 'master.cf'), MASTER_CF);
    writeFileSync(join(dir, 'main.cf'), [
      'compatibility_level = 3.6',
      `queue_directory = ${join(dir, 'queue')}`,
      `data_directory = ${join(dir, 'data')}`,
      'meta_directory = /etc/postfix',
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'inet_interfaces = loopback-only',
      'inet_protocols = ipv4',
      'myhostname = mx.postfix.test',
      'mydomain = postfix.test',
      'myorigin = $myhostname',
      'mydestination =',
      'local_recipient_maps =',
      'alias_maps =',
      'virtual_mailbox_domains = lmtp.test inet.test',
      `virtual_transport = lmtp:unix:${server.socketPath}`,
      `transport_maps = inline:{ inet.test=lmtp:inet:127.0.0.1:${server.port} }`,
      `maillog_file = ${join(dir, 'maillog')}`,
      `maillog_file_prefixes = ${server.dir}`,
      'biff = no',
      'smtputf8_enable = no',
      'queue_run_delay = 1s',
      'minimal_backoff_time = 1s',
      'maximal_backoff_time = 2s',
      '',
    ].join('\n'));
    postfix('start');
    writeFileSync(join(sieveSide, 'sendmail'), `#!/bin/sh\nexec /usr/sbin/sendmail -C ${dir} "$@"\n`);
    chmodSync(join(sieveSide, 'sendmail'), 0o755);
  }, 60_000);

  afterAll(async () => {
    if (dir) spawnSync('/usr/sbin/postfix', ['-c', dir, 'abort']);
    await server?.close();
    if (sieveSide) rmSync(sieveSide, { recursive: true, force: true });
  });

  it('delivers a message submitted with sendmail over lmtp:unix: and over lmtp:inet:', async () => {
    sendmail('bounce@lmtp.test', 'fred@lmtp.test', 'pf-unix@x');
    sendmail('bounce@lmtp.test', 'fred@inet.test', 'pf-inet@x');
    for (const id of ['pf-unix@x', 'pf-inet@x']) {
      const stored = await until(id, async () => (await storedMessages(server.store, 'user.fred')).find((m) => m.includes(`<${id}>`)));
      expect(stored).toMatch(/^Return-Path: <bounce@lmtp\.test>\r\nReceived: from mx\.postfix\.test /);
      expect(stored).toContain('Subject: via postfix\r\n');
    }
  });

  it('bounces a message to an unknown user (the bounce reaches the sender)', async () => {
    sendmail('bounce@lmtp.test', 'nobody@lmtp.test', 'pf-unknown@x');
    await until('bounced in the log', async () => /to=<nobody@lmtp\.test>.*status=bounced/.test(maillog()));
    const notice = await until('the bounce', async () => (await storedMessages(server.store, 'user.bounce')).find((m) => m.includes('nobody@lmtp.test')));
    expect(notice).toMatch(/550 5\.1\.1/);
  });

  it('keeps a message to an over-quota user queued', async () => {
    sendmail('bounce@lmtp.test', 'full@lmtp.test', 'pf-full@x');
    await until('deferred in the log', async () => /to=<full@lmtp\.test>.*status=deferred.*452 4\.2\.2/.test(maillog()));
    const queue = execFileSync('/usr/sbin/postqueue', ['-c', dir, '-p'], { encoding: 'utf8' });
    expect(queue).toContain('full@lmtp.test');
    expect(await storedMessages(server.store, 'user.full')).toHaveLength(0);
  });

  it('passes a Sieve redirect\'s :notify to postfix by sendmail -bs: a success notice reaches the sender, and none without it', async () => {
    activate(join(sieveSide, 'sieve'), 'fred', 'require "redirect-dsn";\nif header :contains "subject" "tell me" { redirect :notify "SUCCESS,FAILURE" :ret "HDRS" "joe@lmtp.test"; }\nelse { redirect "joe@lmtp.test"; }\n');
    sendmail('dsn@lmtp.test', 'fred@lmtp.test', 'pf-dsn-quiet@x');
    await until('the quiet redirect', async () => (await storedMessages(server.store, 'user.joe')).find((m) => m.includes('<pf-dsn-quiet@x>')));
    spawnSync('/usr/sbin/sendmail', ['-C', dir, '-oi', '-f', 'dsn@lmtp.test', 'fred@lmtp.test'], {
      input: 'From: dsn@lmtp.test\nTo: fred@lmtp.test\nSubject: tell me\nMessage-ID: <pf-dsn-told@x>\n\nhello\n',
    });
    const redirected = await until('the redirect', async () => (await storedMessages(server.store, 'user.joe')).find((m) => m.includes('<pf-dsn-told@x>')));
    expect(redirected).toMatch(/^Return-Path: <dsn@lmtp\.test>/);
    const notice = await until('the success notice', async () => (await storedMessages(server.store, 'user.dsn')).find((m) => /report-type=delivery-status/.test(m)));
    expect(notice).toMatch(/joe@lmtp\.test/);
    expect(notice).toMatch(/Action: (relayed|delivered)/);
    // Only the redirect that asked for it gave a notice: the quiet one, delivered first, gave none.
    expect((await storedMessages(server.store, 'user.dsn')).filter((m) => /report-type=delivery-status/.test(m))).toHaveLength(1);
    expect(await storedMessages(server.store, 'user.fred')).not.toEqual(expect.arrayContaining([expect.stringContaining('<pf-dsn-told@x>')]));
  });
});
