import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

// An imapd.conf written for an older Cyrus names its certificate with the deprecated tls_cert_file /
// tls_key_file: the server must still offer STARTTLS and present that certificate.
let server: TestServer;
let certDir: string;
beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'cyrusts-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'), '-days', '1', '-subj', '/CN=old-names.test'], { stdio: 'ignore' });
  server = await startTestServer({ conf: ['allowplaintext: no', `tls_cert_file: ${certDir}/cert.pem`, `tls_key_file: ${certDir}/key.pem`] });
});
afterAll(async () => {
  await server.close();
  rmSync(certDir, { recursive: true, force: true });
});

describe('TLS configured with the deprecated names tls_cert_file and tls_key_file', () => {
  it('the loader warned about both old names', () => {
    const messages = server.config.warnings.map((w) => w.message);
    expect(messages).toContain('tls_cert_file is deprecated (Cyrus 3.6): read as tls_server_cert');
    expect(messages).toContain('tls_key_file is deprecated (Cyrus 3.6): read as tls_server_key');
  });

  it('offers STARTTLS, completes the handshake with that certificate, then lets LOGIN in', async () => {
    const c = await RawClient.connect(server.port);
    const caps = (await c.command('a', 'CAPABILITY'))[0]!;
    expect(caps).toContain(' STARTTLS');
    expect(caps).toContain(' LOGINDISABLED');
    expect((await c.command('s', 'STARTTLS')).at(-1)).toMatch(/^s OK/);
    const secure = tls.connect({ socket: c.socket, rejectUnauthorized: false, servername: 'old-names.test' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    const presented = secure.getPeerX509Certificate();
    expect(presented?.fingerprint256).toBe(new X509Certificate(readFileSync(join(certDir, 'cert.pem'))).fingerprint256);

    let buffer = '';
    secure.setEncoding('latin1');
    const until = (tag: string) =>
      new Promise<string>((resolve) => {
        const check = () => {
          if (new RegExp(`(^|\\r\\n)${tag} [^\\r]*\\r\\n`).test(buffer)) {
            secure.off('data', onData);
            const out = buffer;
            buffer = '';
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
    secure.write('t1 LOGIN fred pass\r\n');
    expect(await until('t1')).toMatch(/t1 OK/);
    secure.write('t2 LOGOUT\r\n');
    expect(await until('t2')).toMatch(/t2 OK/);
    secure.end();
  });
});
