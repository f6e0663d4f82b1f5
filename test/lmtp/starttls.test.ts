// STARTTLS on the LMTP TCP listener (RFC 3207): a real TLS handshake, then LHLO again (STARTTLS
// no longer offered), AUTH PLAIN and a delivery over the encrypted channel, with "LMTPSA" (TLS,
// authenticated; RFC 3848) in the Received line of the stored message.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LmtpClient, message, startTestLmtp, storedMessages, type TestLmtp } from './harness.js';

let server: TestLmtp;
let certDir: string;
beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'cyrusts-lmtp-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  server = await startTestLmtp({ conf: [`tls_server_cert: ${certDir}/cert.pem`, `tls_server_key: ${certDir}/key.pem`] });
}, 60_000);
afterAll(async () => {
  await server.close();
  rmSync(certDir, { recursive: true, force: true });
});

/** Replies over the TLS socket: each ends at a "NNN " line; multi-line ones joined by "\n". */
function replyReader(secure: tls.TLSSocket): (count: number) => Promise<string[]> {
  let buffer = '';
  let wake: (() => void) | null = null;
  secure.setEncoding('latin1');
  secure.on('data', (d: string) => {
    buffer += d;
    wake?.();
  });
  return async (count) => {
    const out: string[] = [];
    let current: string[] = [];
    for (;;) {
      let nl: number;
      while (out.length < count && (nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        current.push(line);
        if (line[3] !== '-') {
          out.push(current.join('\n'));
          current = [];
        }
      }
      if (out.length >= count) return out;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
}

it('upgrades with a real TLS handshake, then takes AUTH and a delivery over it', async () => {
  const c = await LmtpClient.connect({ port: server.port });
  const before = await c.command('LHLO mta.example');
  expect(before).toMatch(/^250-STARTTLS$/m);
  expect(await c.command('STARTTLS')).toMatch(/^220 2\.0\.0 /);
  const secure = tls.connect({ socket: c.socket, rejectUnauthorized: false, servername: 'localhost' });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  expect(secure.getProtocol()).toMatch(/^TLSv1\.[23]$/);
  const replies = replyReader(secure);
  const send = async (text: string, count = 1) => {
    secure.write(text);
    return replies(count);
  };
  const [after] = await send('LHLO mta.example\r\n');
  expect(after).not.toMatch(/STARTTLS/);
  expect(after).toMatch(/^250[- ]AUTH /m);
  const [auth] = await send(`AUTH PLAIN ${Buffer.from('\0fred\0pass').toString('base64')}\r\n`);
  expect(auth).toMatch(/^235 /);
  const head = await send('MAIL FROM:<sender@example.org>\r\nRCPT TO:<fred>\r\nDATA\r\n', 3);
  expect(head.map((r) => r.slice(0, 3))).toEqual(['250', '250', '354']);
  const [done] = await send(`${message('over-tls@x')}.\r\n`);
  expect(done).toMatch(/^250 2\.1\.5 /);
  secure.end('QUIT\r\n');
  const stored = await storedMessages(server.store, 'user.fred');
  const copy = stored.find((m) => m.includes('<over-tls@x>'));
  expect(copy).toBeDefined();
  expect(copy).toMatch(/^Received: from mta\.example [^\r]*\r\n\tby lmtp\.test \(cyrusts\) with LMTPSA /m);
});

it('refuses STARTTLS inside a TLS session and after a transaction began', async () => {
  const c = await LmtpClient.connect({ port: server.port });
  await c.command('LHLO mta.example');
  await c.command(`AUTH PLAIN ${Buffer.from('\0fred\0pass').toString('base64')}`);
  expect(await c.command('MAIL FROM:<a@b>')).toMatch(/^250 /);
  expect(await c.command('STARTTLS')).toMatch(/^5\d\d /);
  c.close();
});
