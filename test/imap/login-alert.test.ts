import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let certDir: string;
const ALERT = 'Your password went over the network in the clear';

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'cyrusts-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  server = await startTestServer({ conf: [`plaintextloginalert: ${ALERT}`, `tls_server_cert: ${certDir}/cert.pem`, `tls_server_key: ${certDir}/key.pem`] });
});
afterAll(async () => {
  await server.close();
  rmSync(certDir, { recursive: true, force: true });
});

const motdFile = () => join(server.dir, 'conf', 'msg', 'motd');
const plain = (user: string) => Buffer.from(`\0${user}\0pass`).toString('base64');

describe('ALERTs after login', () => {
  it('sends the first line of msg/motd as ALERT after LOGIN, before the tagged OK', async () => {
    mkdirSync(join(server.dir, 'conf', 'msg'), { recursive: true });
    writeFileSync(motdFile(), 'Maintenance tonight at 22:00\nsecond line is not sent\n');
    try {
      const c = await RawClient.connect(server.port);
      const lines = await c.command('a', 'LOGIN fred pass');
      expect(lines[0]).toBe('* OK [ALERT] Maintenance tonight at 22:00');
      expect(lines.join('\n')).not.toContain('second line');
      expect(lines.at(-1)).toMatch(/^a OK /);
      c.close();
    } finally {
      rmSync(motdFile());
    }
  });

  it('sends no motd ALERT before login, nor after a failed one, nor when the file is gone', async () => {
    mkdirSync(join(server.dir, 'conf', 'msg'), { recursive: true });
    writeFileSync(motdFile(), 'hello\n');
    const c = await RawClient.connect(server.port);
    const failed = await c.command('a', 'LOGIN fred wrong');
    expect(failed.join('\n')).not.toContain('hello');
    rmSync(motdFile());
    const ok = await c.command('b', 'LOGIN fred pass');
    expect(ok.filter((l) => l.includes('[ALERT]'))).toEqual([`* OK [ALERT] ${ALERT}`]);
    c.close();
  });

  it('sends plaintextloginalert after LOGIN and AUTHENTICATE PLAIN without TLS', async () => {
    const c = await RawClient.connect(server.port);
    expect((await c.command('a', 'LOGIN fred pass')).filter((l) => l.startsWith('* OK [ALERT]'))).toEqual([`* OK [ALERT] ${ALERT}`]);
    c.close();
    const d = await RawClient.connect(server.port);
    const lines = await d.command('a', `AUTHENTICATE PLAIN ${plain('fred')}`);
    expect(lines.at(-1)).toMatch(/^a OK /);
    expect(lines.filter((l) => l.startsWith('* OK [ALERT]'))).toEqual([`* OK [ALERT] ${ALERT}`]);
    d.close();
  });

  it('sends no plaintextloginalert after LOGIN over TLS', async () => {
    const c = await RawClient.connect(server.port);
    expect((await c.command('s', 'STARTTLS')).at(-1)).toMatch(/^s OK/);
    const secure = tls.connect({ socket: c.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    secure.setEncoding('latin1');
    let buffer = '';
    const done = new Promise<string>((resolve) => {
      secure.on('data', (d: string) => {
        buffer += d;
        if (/(^|\r\n)a [^\r]*\r\n/.test(buffer)) resolve(buffer);
      });
    });
    secure.write('a LOGIN fred pass\r\n');
    const text = await done;
    expect(text).toMatch(/a OK /);
    expect(text).not.toContain('[ALERT]');
    secure.destroy();
  });
});
