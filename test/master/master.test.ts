import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, LineClient, RunningMaster, tempServer, type TempServer } from './helpers.js';

// One master for the checks that do not disturb it: greetings, START before listeners, EVENTS, an
// entry that cannot run, then SIGTERM.
describe('master: start, serve, stop', () => {
  let server: TempServer;
  let master: RunningMaster;

  beforeAll(async () => {
    server = tempServer('');
    const d = server.dir;
    const conf = `# test configuration
START {
  first   cmd="/bin/sh -c 'sleep 0.3; date +%s%N > ${d}/start-ran'"
  second  cmd="/usr/sbin/cyrus ctl_cyrusdb -r"   # known Cyrus tool: nothing to do here
}
SERVICES {
  imap      cmd="imapd -U 30" listen="127.0.0.1:0" prefork=2 maxchild=10
  pop3      cmd="/usr/lib/cyrus/bin/pop3d" listen="127.0.0.1:0"
  lmtpunix  cmd="lmtpd" listen="${d}/conf/socket/lmtp" prefork=0
  nntp      cmd="nntpd -U 30" listen="127.0.0.1:0"
  notify    cmd="notifyd" listen="${d}/conf/socket/notify" proto="udp" prefork=1
}
EVENTS {
  tick    cmd="/bin/sh -c 'echo tick >> ${d}/event-ran'" period=1
  nothere cmd="/usr/sbin/cyrus fetchnews -a news.example.org" period=120
}
`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(server.cyrusConf, conf);
    master = RunningMaster.start(server);
    await master.address('lmtpunix');
  });

  afterAll(async () => {
    await master?.stop();
    server?.cleanup();
  });

  it('creates configdirectory, its socket/ proc/ log/ and the partitions, and writes the pid file', () => {
    for (const sub of ['conf', 'conf/socket', 'conf/proc', 'conf/log', 'spool']) expect(existsSync(join(server.dir, sub)), sub).toBe(true);
    expect(readFileSync(join(server.dir, 'conf/master.pid'), 'utf8').trim()).toBe(String(master.proc.pid));
  });

  it('runs START to completion before any listener opens', async () => {
    expect(existsSync(join(server.dir, 'start-ran'))).toBe(true);
    await master.log('service listening');
    const finished = master.logs.findIndex((l) => l.msg === 'command finished' && l.entry === 'first');
    const listening = master.logs.findIndex((l) => l.msg === 'service listening');
    expect(finished).toBeGreaterThanOrEqual(0);
    expect(finished).toBeLessThan(listening);
    expect(master.logs.some((l) => l.entry === 'second' && l.msg === 'nothing to run for this entry')).toBe(true);
  });

  it('greets on IMAP and answers CAPABILITY, BAD and LOGOUT', async () => {
    const client = await LineClient.connect(await master.address('imap'));
    expect(await client.line(/^\* OK/)).toMatch(/^\* OK \[CAPABILITY IMAP4rev1[^\]]*\] test\.example .*ready$/);
    client.send('a1 CAPABILITY\r\na2 FROB\r\na3 LOGOUT\r\n');
    expect(await client.line(/^a1 /)).toMatch(/^a1 OK/);
    expect(client.received.some((l: string) => l.startsWith('* CAPABILITY IMAP4rev1 '))).toBe(true);
    expect(await client.line(/^a2 /)).toMatch(/^a2 BAD/);
    expect(await client.line(/^a3 /)).toMatch(/^a3 OK/);
    expect(client.received.some((l) => l.startsWith('* BYE'))).toBe(true);
    await client.closed;
  });

  it('greets on POP3 (cmd named by path) and on LMTP over a UNIX socket', async () => {
    const pop = await LineClient.connect(await master.address('pop3'));
    expect(await pop.line(/^\+OK/)).toMatch(/^\+OK test\.example/);
    pop.send('QUIT\r\n');
    await pop.closed;
    expect(pop.received.length).toBeGreaterThan(1);
    expect(pop.received.at(-1)).toMatch(/^\+OK/);
    const lmtp = await LineClient.connect(join(server.dir, 'conf/socket/lmtp'));
    expect(await lmtp.line(/^220 /)).toMatch(/^220 test\.example /);
    lmtp.send('LHLO client\r\n');
    expect(await lmtp.line(/^250 /)).toMatch(/^250 /);
    lmtp.send('QUIT\r\n');
    await lmtp.line(/^221 /);
  });

  it('logs an entry whose program it does not have and keeps running', async () => {
    const skipped = await master.log('not a service program this server has: entry skipped', (l) => l.service === 'nntp');
    expect(skipped.at).toMatch(/cyrus\.conf:10$/);
    expect(master.stdout.some((l) => l.startsWith('nntp '))).toBe(false);
    await master.log('cannot run this entry', (l) => l.entry === 'nothere');
  });

  it("skips Debian's notifyd entry quietly: lmtpd sends Sieve notifications itself", async () => {
    const skipped = await master.log('nothing to run: entry skipped', (l) => l.service === 'notify');
    expect(skipped.reason).toMatch(/lmtpd sends the notifications/);
    expect(master.logs.some((l) => l.service === 'notify' && l.level >= 50)).toBe(false);
  });

  it('runs a periodic EVENTS entry (first run at start)', async () => {
    await master.log('command finished', (l) => l.entry === 'tick' && l.section === 'EVENTS');
    expect(readFileSync(join(server.dir, 'event-ran'), 'utf8')).toBe('tick\n');
  });

  it('on SIGTERM exits 0 and leaves no worker behind, pid file and sockets removed', async () => {
    const pids = [...master.workerPids('imap'), ...master.workerPids('pop3'), ...master.workerPids('lmtpunix')];
    // imap prefork=2; pop3 (no prefork) and lmtpunix (prefork=0) run one worker per core
    expect(pids.length).toBe(2 + 2 * availableParallelism());
    const client = await LineClient.connect(await master.address('imap'));
    await client.line(/^\* OK/);
    expect(await master.stop()).toBe(0);
    // an open session was told goodbye at the deadline rather than cut silently
    await client.closed;
    expect(client.received.some((l) => l.startsWith('* BYE'))).toBe(true);
    for (const pid of pids) expect(isAlive(pid), `worker ${pid}`).toBe(false);
    expect(existsSync(join(server.dir, 'conf/master.pid'))).toBe(false);
    expect(existsSync(join(server.dir, 'conf/socket/lmtp'))).toBe(false);
  });
});
