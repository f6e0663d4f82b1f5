import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, LineClient, RunningMaster, tempServer, type TempServer } from './helpers.js';

// Issue 17: "the default maxchild refuses everyone" (2,000 silent connections: 100 greeted, every
// honest client refused, the silent ones dropped after 5 minutes). Per-address limits before and
// after login, a pre-login window, and a shipped maxchild sized for thousands.

const SHIPPED_CYRUS_CONF = join(import.meta.dirname, '..', '..', 'conf', 'cyrus.conf');

function setPassword(server: TempServer, user: string, password: string): void {
  const result = spawnSync(process.execPath, [CLI, 'saslpasswd', '-C', server.imapdConf, '-p', '-c', user], { input: `${password}\n`, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`saslpasswd failed: ${result.stderr}`);
}

/** A connection from `localAddress` (any 127.x.y.z is this machine) and its first line, or null when closed without one. */
function firstLine(address: string, localAddress: string): Promise<{ socket: net.Socket; line: string | null }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolvePromise) => {
    const socket = net.createConnection({ host, port, localAddress });
    let buffer = '';
    let done = false;
    const finish = (line: string | null) => {
      if (done) return;
      done = true;
      resolvePromise({ socket, line });
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\r\n');
      if (nl >= 0) finish(buffer.slice(0, nl));
    });
    socket.on('error', () => finish(null));
    socket.on('close', () => finish(null));
  });
}

async function login(address: string, user: string, tag = 'a'): Promise<{ client: LineClient; answer: string }> {
  const client = await LineClient.connect(address);
  await client.line(/^\* OK/);
  client.send(`${tag} LOGIN ${user} pass\r\n`);
  return { client, answer: await client.line(new RegExp(`^${tag} `)) };
}

describe('the shipped cyrus.conf and defaults under 2,000 silent connections', () => {
  let server: TempServer;
  let master: RunningMaster;

  beforeAll(async () => {
    // The shipped imap entry as it is (prefork, maxchild), on an ephemeral port.
    const imapLine = readFileSync(SHIPPED_CYRUS_CONF, 'utf8').split('\n').find((l) => /^\s*imap\s/.test(l))!;
    server = tempServer(`SERVICES {\n${imapLine.replace(/listen="[^"]*"/, 'listen="127.0.0.1:0"')}\n}\n`, 'allowplaintext: yes\n');
    setPassword(server, 'fred', 'pass');
    master = RunningMaster.start(server);
  });

  afterAll(async () => {
    await master?.stop();
    server?.cleanup();
  });

  it('greets up to the per-address limit, refuses the rest at once, and an honest client still logs in', async () => {
    const address = await master.address('imap');
    const silent: net.Socket[] = [];
    const lines: (string | null)[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const opened = await Promise.all(Array.from({ length: 100 }, () => firstLine(address, '127.0.0.2')));
      for (const { socket, line } of opened) {
        silent.push(socket);
        lines.push(line);
      }
    }
    const greeted = lines.filter((l) => l?.startsWith('* OK')).length;
    const refused = lines.filter((l) => l?.startsWith('* BYE [UNAVAILABLE]') && l.includes('from your address')).length;
    expect(greeted).toBe(500);
    expect(refused).toBe(1500);
    const { client, answer } = await login(address, 'fred');
    expect(answer).toMatch(/^a OK/);
    client.close();
    for (const socket of silent) socket.destroy();
  }, 180_000);
});

describe('per-address and per-user limits, the pre-login window', () => {
  let server: TempServer;
  let master: RunningMaster;

  beforeAll(async () => {
    server = tempServer(
      `SERVICES {
  imap      cmd="imapd" listen="127.0.0.1:0" prefork=2
  quick     cmd="imapd" listen="127.0.0.1:0" prefork=1
  pop3quick cmd="pop3d" listen="127.0.0.1:0" prefork=1
  lmtpquick cmd="lmtpd" listen="127.0.0.1:0" prefork=1
}
`,
      'allowplaintext: yes\nprelogin_maxconnections_per_host: 3\nmaxlogins_per_user_host: 2\nquick_prelogin_timeout: 2s\npop3quick_prelogin_timeout: 2s\nlmtpquick_prelogin_timeout: 2s\n',
    );
    setPassword(server, 'fred', 'pass');
    master = RunningMaster.start(server);
    await master.address('lmtpquick');
  });

  afterAll(async () => {
    await master?.stop();
    server?.cleanup();
  });

  it('refuses a connection over prelogin_maxconnections_per_host from that address only; a login frees its place', async () => {
    const address = await master.address('imap');
    const waiting = await Promise.all([1, 2, 3].map(() => firstLine(address, '127.0.0.3')));
    expect(waiting.map((w) => w.line?.slice(0, 4))).toEqual(['* OK', '* OK', '* OK']);
    const fourth = await firstLine(address, '127.0.0.3');
    expect(fourth.line).toMatch(/^\* BYE \[UNAVAILABLE\] .*too many connections from your address/);
    const elsewhere = await firstLine(address, '127.0.0.4');
    expect(elsewhere.line).toMatch(/^\* OK/);
    // One of the three logs in: it no longer counts as waiting, so the address may open another.
    const first = waiting[0]!.socket;
    const answered = new Promise<string>((resolvePromise) => {
      let text = '';
      first.on('data', (chunk: string) => {
        text += chunk;
        const m = /^a (OK|NO|BAD).*$/m.exec(text);
        if (m) resolvePromise(m[0]);
      });
    });
    first.write('a LOGIN fred pass\r\n');
    expect(await answered).toMatch(/^a OK/);
    const again = await firstLine(address, '127.0.0.3');
    expect(again.line).toMatch(/^\* OK/);
    for (const w of [...waiting, fourth, elsewhere, again]) w.socket.destroy();
  });

  it('refuses a third login of one user from one address (maxlogins_per_user_host) until one logs out', async () => {
    const address = await master.address('imap');
    const one = await login(address, 'fred');
    const two = await login(address, 'fred');
    expect([one.answer, two.answer]).toEqual([expect.stringMatching(/^a OK/), expect.stringMatching(/^a OK/)]);
    const three = await login(address, 'fred');
    expect(three.answer).toMatch(/^a NO \[LIMIT\] .*maxlogins_per_user_host/);
    // Still not logged in: a command that needs a login is refused.
    three.client.send('b SELECT INBOX\r\n');
    expect(await three.client.line(/^b /)).toMatch(/^b BAD/);
    // Once one of the two logs out, the third may log in.
    one.client.send('z LOGOUT\r\n');
    await one.client.closed;
    let retried = '';
    for (let i = 0; i < 50 && !retried.startsWith('c OK'); i++) {
      three.client.send(`c${i} LOGIN fred pass\r\n`);
      retried = (await three.client.line(new RegExp(`^c${i} `))).replace(/^c\d+/, 'c');
      if (!retried.startsWith('c OK')) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(retried).toMatch(/^c OK/);
    for (const c of [one, two, three]) c.client.close();
  });

  it('closes an IMAP connection that does not log in within prelogin_timeout, even one that keeps talking', async () => {
    const quiet = await LineClient.connect(await master.address('quick'));
    const talker = await LineClient.connect(await master.address('quick'));
    await talker.line(/^\* OK/);
    const chatter = setInterval(() => talker.send('n NOOP\r\n'), 300);
    try {
      expect(await quiet.line(/^\* BYE/)).toBe('* BYE Autologout; no login in time');
      await quiet.closed;
      expect(await talker.line(/^\* BYE/)).toBe('* BYE Autologout; no login in time');
      await talker.closed;
    } finally {
      clearInterval(chatter);
    }
  });

  it('closes POP3 and untrusted LMTP connections that do not log in within prelogin_timeout', async () => {
    const pop3 = await LineClient.connect(await master.address('pop3quick'));
    expect(await pop3.line(/^\+OK/)).toMatch(/^\+OK/);
    await pop3.closed;
    const lmtp = await LineClient.connect(await master.address('lmtpquick'));
    await lmtp.line(/^220 /);
    lmtp.send('LHLO client.example\r\n');
    expect(await lmtp.line(/^421 /)).toMatch(/^421 4\.4\.2 /);
    await lmtp.closed;
  });
});

/** The shipped configuration names a limit sized for thousands and leaves prefork to the cores. */
describe('conf/cyrus.conf', () => {
  it('gives imap, imaps and pop3 no prefork (one worker per core) and a maxchild of thousands', () => {
    const text = readFileSync(SHIPPED_CYRUS_CONF, 'utf8');
    for (const name of ['imap', 'imaps', 'pop3']) {
      const line = text.split('\n').find((l) => new RegExp(`^\\s*${name}\\s`).test(l))!;
      expect(line).not.toMatch(/prefork=[1-9]/);
      expect(Number(/maxchild=(\d+)/.exec(line)?.[1])).toBeGreaterThanOrEqual(4000);
    }
  });
});
