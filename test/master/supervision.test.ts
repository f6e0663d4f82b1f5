import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, LineClient, RunningMaster, tempServer, type TempServer } from './helpers.js';

let server: TempServer | undefined;
let master: RunningMaster | undefined;

afterEach(async () => {
  await master?.stop();
  server?.cleanup();
  master = undefined;
  server = undefined;
});

function refused(address: string): Promise<boolean> {
  const m = /^(.*):(\d+)$/.exec(address)!;
  return new Promise((resolvePromise) => {
    const socket = net.createConnection({ host: m[1], port: Number(m[2]) });
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(false);
    });
    socket.once('error', () => resolvePromise(true));
  });
}

describe('master supervision', () => {
  it('restarts a worker killed with SIGKILL: the death is logged, a new worker starts and serves', async () => {
    server = tempServer('SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0" prefork=1\n}\n');
    master = RunningMaster.start(server);
    const address = await master.address('imap');
    await master.log('worker started');
    const [first] = master.workerPids('imap');
    const before = await LineClient.connect(address);
    await before.line(/^\* OK/);
    const killedAt = performance.now();
    process.kill(first!, 'SIGKILL');
    const died = await master.log('worker died, restarting');
    expect(died.signal).toBe('SIGKILL');
    expect(died.workerPid).toBe(first);
    expect(died.lostConnections).toBe(1);
    // the replacement is started after the death is logged, and it is the one that serves now
    const restarted = await master.log('worker started', (l) => l.workerPid !== first, 10_000);
    expect(master.logs.indexOf(restarted)).toBeGreaterThan(master.logs.indexOf(died));
    expect(master.workerPids('imap')).toEqual([first, restarted.workerPid]);
    expect(isAlive(first!)).toBe(false);
    const client = await LineClient.connect(address);
    await client.line(/^\* OK/, 10_000);
    console.log(`SIGKILL to a new worker's greeting: ${(performance.now() - killedAt).toFixed(0)} ms`);
    client.close();
  });

  it('refuses politely over maxchild (IMAP BYE, POP3 -ERR, LMTP 421) and serves again once a connection closes', async () => {
    server = tempServer(`SERVICES {
  imap cmd="imapd" listen="127.0.0.1:0" prefork=2 maxchild=2
  pop3 cmd="pop3d" listen="127.0.0.1:0" maxchild=1
  lmtp cmd="lmtpd" listen="127.0.0.1:0" maxchild=0
}
`);
    master = RunningMaster.start(server);
    const imap = await master.address('imap');
    const held = [await LineClient.connect(imap), await LineClient.connect(imap)];
    for (const c of held) await c.line(/^\* OK/);
    const third = await LineClient.connect(imap);
    expect(await third.line(/^\* /)).toMatch(/^\* BYE \[UNAVAILABLE\] test\.example too many connections to service imap/);
    await third.closed;
    held[0]!.send('x LOGOUT\r\n');
    await held[0]!.closed;
    // the worker reports the close to the master asynchronously: retry briefly
    let served = false;
    for (let i = 0; i < 20 && !served; i++) {
      const next = await LineClient.connect(imap);
      const first = await next.line(/^\* /);
      served = first.startsWith('* OK');
      next.close();
      if (!served) await new Promise((r) => setTimeout(r, 50));
    }
    expect(served).toBe(true);
    held[1]!.close();

    const pop = await master.address('pop3');
    const popHeld = await LineClient.connect(pop);
    await popHeld.line(/^\+OK/);
    const popRefused = await LineClient.connect(pop);
    expect(await popRefused.line(/^-ERR/)).toMatch(/^-ERR \[SYS\/TEMP\] /);
    popHeld.close();

    const lmtp = await LineClient.connect(await master.address('lmtp'));
    expect(await lmtp.line(/^\d{3} /)).toMatch(/^421 4\.3\.2 /);
  });

  it('SIGHUP adds, removes and restarts services as cyrus.conf now says', async () => {
    server = tempServer(`SERVICES {
  imap cmd="imapd" listen="127.0.0.1:0"
  lmtp cmd="lmtpd" listen="127.0.0.1:0"
}
`);
    master = RunningMaster.start(server);
    const imap = await master.address('imap');
    const lmtp = await master.address('lmtp');
    await master.log('worker started', (l) => l.service === 'lmtp');
    const lmtpWorkers = master.workerPids('lmtp');
    // imap keeps its address (so it keeps its listener) but gets a new worker count
    writeFileSync(server.cyrusConf, `SERVICES {
  imap cmd="imapd" listen="${imap}" prefork=2
  pop3 cmd="pop3d" listen="127.0.0.1:0"
}
`);
    master.proc.kill('SIGHUP');
    const pop3 = await master.address('pop3');
    await master.waitFor('lmtp stopped', () => master!.stdout.includes('lmtp stopped'));
    await master.log('configuration reloaded');
    const pop = await LineClient.connect(pop3);
    expect(await pop.line(/^\+OK/)).toMatch(/^\+OK/);
    pop.close();
    expect(await refused(lmtp)).toBe(true);
    const client = await LineClient.connect(imap);
    await client.line(/^\* OK/);
    client.close();
    await master.waitFor('two new imap workers', () => master!.workerPids('imap').length >= 3);
    await master.waitFor('the lmtp worker to exit', () => lmtpWorkers.every((pid) => !isAlive(pid)));
  });

  it('keeps the running configuration when a reload finds an error', async () => {
    server = tempServer('SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0"\n}\n');
    master = RunningMaster.start(server);
    const imap = await master.address('imap');
    writeFileSync(server.cyrusConf, 'SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0" prefork=x\n}\n');
    master.proc.kill('SIGHUP');
    const failed = await master.log('reload failed: keeping the running configuration');
    expect(String(failed.err)).toMatch(/cyrus\.conf:2: SERVICES imap: prefork=x: expected a whole number/);
    const client = await LineClient.connect(imap);
    await client.line(/^\* OK/);
    client.close();
  });

  it('refuses to start a second master on the same pid file, and exits 78 on a bad cyrus.conf', async () => {
    server = tempServer('SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0"\n}\n');
    master = RunningMaster.start(server);
    await master.address('imap');
    const second = RunningMaster.start(server);
    expect(await second.exited).toBe(75);
    writeFileSync(server.cyrusConf, 'SERVICES {\n  imap cmd="imapd"\n}\n');
    const bad = RunningMaster.start({ ...server, imapdConf: server.imapdConf });
    await master.stop();
    expect(await bad.exited).toBe(78);
  });
});
