import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askSaslauthd } from '../../src/auth/index.js';
import { ctx, expectKind, makeAuth } from './helpers.js';

// The real Debian saslauthd (package sasl2-bin) with its rimap mechanism, which checks a password
// by logging in to an IMAP server: here a tiny one started by this test that knows one user.
const SASLAUTHD = ['/usr/sbin/saslauthd', '/usr/bin/saslauthd'].find((p) => fs.existsSync(p));
const reason = SASLAUTHD ? '' : 'saslauthd is not installed (apt-get install -y sasl2-bin)';

let dir = '';
let daemon: ChildProcess | null = null;
let imap: net.Server | null = null;
const seenLogins: string[] = [];

function startImap(): Promise<number> {
  imap = net.createServer((socket) => {
    socket.write('* OK test IMAP ready\r\n');
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const m = /^(\S+) (\S+) ?(.*)$/.exec(line);
        if (!m) continue;
        const [, tag, command, args] = m as unknown as [string, string, string, string];
        if (command.toUpperCase() === 'LOGIN') {
          seenLogins.push(args.split(' ')[0]!);
          socket.write(args === '"tester" "s3cret"' ? `${tag} OK logged in\r\n` : `${tag} NO wrong\r\n`);
        } else if (command.toUpperCase() === 'LOGOUT') {
          socket.end(`* BYE\r\n${tag} OK bye\r\n`);
        } else socket.write(`${tag} BAD unknown\r\n`);
      }
    });
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => imap!.listen(0, '127.0.0.1', () => resolve((imap!.address() as net.AddressInfo).port)));
}

/**
 * Until `file` is a socket that takes connections: saslauthd binds it (the file appears) a moment
 * before it listens, and a loaded machine once saw ECONNREFUSED in between.
 */
async function waitForSocket(file: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const accepted = await new Promise<boolean>((resolve) => {
      const probe = net.connect(file, () => {
        probe.destroy();
        resolve(true);
      });
      probe.on('error', () => resolve(false));
    });
    if (accepted) return;
    if (Date.now() > end) throw new Error(`${file} takes no connections`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  if (!SASLAUTHD) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-saslauthd-'));
  const port = await startImap();
  // detached: saslauthd signals its whole process group when it shuts down; give it its own.
  daemon = spawn(SASLAUTHD, ['-d', '-n', '0', '-a', 'rimap', '-O', `127.0.0.1/${port}`, '-m', dir], { stdio: 'ignore', detached: true });
  await waitForSocket(path.join(dir, 'mux'), 5000);
}, 10_000);

afterAll(() => {
  if (daemon?.pid) daemon.kill('SIGTERM');
  imap?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!SASLAUTHD)(`saslauthd end to end ${reason}`, () => {
  it('the wire client gets OK and NO', async () => {
    const mux = path.join(dir, 'mux');
    expect(await askSaslauthd(mux, { login: 'tester', password: 's3cret', service: 'imap', realm: '' })).toBe(true);
    expect(await askSaslauthd(mux, { login: 'tester', password: 'wrong', service: 'imap', realm: '' })).toBe(false);
  });

  it('sasl_pwcheck_method: saslauthd serves LOGIN and PLAIN but not SCRAM', async () => {
    const env = makeAuth(`sasl_pwcheck_method: saslauthd\nsasl_saslauthd_path: ${dir}/mux\nallowplaintext: yes\n`);
    try {
      expect(env.auth.mechanisms(ctx())).toEqual(['PLAIN', 'LOGIN']);
      expect((await env.auth.login('Tester', 's3cret', ctx())).userid).toBe('tester');
      await expectKind(env.auth.login('tester', 'nope', ctx()), 'AuthFailed');
      const step = await env.auth.startSasl('PLAIN', ctx()).step(Buffer.from('\0tester\0s3cret'));
      expect(step.kind === 'success' && step.identity.userid).toBe('tester');
      expect(seenLogins).toContain('"tester"');
    } finally {
      env.cleanup();
    }
  });

  it('an unreachable saslauthd is a temporary failure', async () => {
    await expectKind(askSaslauthd(path.join(dir, 'no-such-socket'), { login: 'a', password: 'b', service: 'imap', realm: '' }), 'Temp');
  });
});
