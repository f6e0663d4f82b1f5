import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let certDir: string;
beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'cyrusts-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  server = await startTestServer({ conf: ['allowplaintext: no', `tls_server_cert: ${certDir}/cert.pem`, `tls_server_key: ${certDir}/key.pem`] });
});
afterAll(async () => {
  await server.close();
  rmSync(certDir, { recursive: true, force: true });
});

describe('STARTTLS and allowplaintext: no', () => {
  it('offers STARTTLS and LOGINDISABLED, no plaintext AUTH, and refuses LOGIN before TLS', async () => {
    const c = await RawClient.connect(server.port);
    const caps = (await c.command('a', 'CAPABILITY'))[0]!;
    expect(caps).toContain(' STARTTLS');
    expect(caps).toContain(' LOGINDISABLED');
    expect(caps).not.toContain('AUTH=PLAIN');
    expect((await c.command('b', 'LOGIN fred pass')).at(-1)).toMatch(/^b NO/);
    expect((await c.command('c', `AUTHENTICATE PLAIN ${Buffer.from('\0fred\0pass').toString('base64')}`)).at(-1)).toMatch(/^c NO/);
    c.close();
  });

  it('upgrades with STARTTLS, then allows LOGIN and stops offering STARTTLS', async () => {
    const c = await RawClient.connect(server.port);
    expect((await c.command('s', 'STARTTLS')).at(-1)).toMatch(/^s OK/);
    const secure = tls.connect({ socket: c.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    let buffer = '';
    secure.setEncoding('latin1');
    const until = (tag: string) =>
      new Promise<string>((resolve) => {
        const check = () => {
          const m = buffer.match(new RegExp(`(^|\\r\\n)${tag} [^\\r]*\\r\\n`));
          if (m) {
            const out = buffer;
            buffer = '';
            secure.off('data', onData);
            resolve(out);
          }
        };
        const onData = (d: string) => {
          buffer += d;
          check();
        };
        secure.on('data', onData);
        check();
      });
    secure.write('t1 CAPABILITY\r\n');
    const caps = await until('t1');
    expect(caps).not.toContain('STARTTLS');
    expect(caps).not.toContain('LOGINDISABLED');
    expect(caps).toContain('AUTH=PLAIN');
    secure.write('t2 LOGIN fred pass\r\n');
    expect(await until('t2')).toMatch(/t2 OK/);
    secure.end();
  });

  it('imapflow negotiates STARTTLS, logs in and compresses over TLS', async () => {
    const client = new ImapFlow({ host: server.host, port: server.port, secure: false, doSTARTTLS: true, tls: { rejectUnauthorized: false }, auth: { user: 'fred', pass: 'pass' }, logger: false });
    await client.connect();
    expect(client.secureConnection).toBe(true);
    // COMPRESS=DEFLATE over TLS (RFC 4978: compression under the TLS layer), negotiated by imapflow.
    expect((client as unknown as { _deflate?: unknown })._deflate).toBeTruthy();
    const status = await client.status('INBOX', { messages: true });
    expect(status.messages).toBe(0);
    await client.logout();
  });
});
