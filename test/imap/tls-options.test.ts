// The tls_* options of imapd.conf on a real STARTTLS: versions, ciphers, two certificates, the key
// in the certificate file, session resumption, and a setting that cannot work (STARTTLS not offered).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let certDir: string;
const servers: TestServer[] = [];

beforeAll(() => {
  certDir = mkdtempSync(join(tmpdir(), 'cyrusts-tlsopt-'));
  const req = (args: string[]) => execFileSync('openssl', ['req', '-x509', '-nodes', '-days', '1', '-subj', '/CN=localhost', ...args], { stdio: 'ignore' });
  req(['-newkey', 'rsa:2048', '-keyout', join(certDir, 'rsa.key'), '-out', join(certDir, 'rsa.pem')]);
  req(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-keyout', join(certDir, 'ec.key'), '-out', join(certDir, 'ec.pem')]);
  writeFileSync(join(certDir, 'both.pem'), Buffer.concat([readFileSync(join(certDir, 'rsa.pem')), readFileSync(join(certDir, 'rsa.key'))]));
});
afterAll(async () => {
  for (const s of servers) await s.close();
  rmSync(certDir, { recursive: true, force: true });
});

async function serverWith(...lines: string[]): Promise<TestServer> {
  const server = await startTestServer({ conf: lines });
  servers.push(server);
  return server;
}

const rsa = () => [`tls_server_cert: ${certDir}/rsa.pem`, `tls_server_key: ${certDir}/rsa.key`];

interface Outcome {
  protocol?: string | null;
  cipher?: string;
  reused?: boolean;
  session?: Buffer;
  error?: string;
}

/** STARTTLS, then a handshake with `options`; what was negotiated, or the error. */
async function handshake(server: TestServer, options: tls.ConnectionOptions = {}): Promise<Outcome> {
  const c = await RawClient.connect(server.port);
  const caps = (await c.command('a', 'CAPABILITY'))[0]!;
  if (!caps.includes(' STARTTLS')) {
    c.close();
    return { error: 'STARTTLS not offered' };
  }
  expect((await c.command('s', 'STARTTLS')).at(-1)).toMatch(/^s OK/);
  return new Promise((resolve) => {
    let session: Buffer | undefined;
    const secure = tls.connect({ socket: c.socket, rejectUnauthorized: false, ...options });
    secure.on('session', (s: Buffer) => (session = s));
    secure.once('secureConnect', () => {
      const outcome = { protocol: secure.getProtocol(), cipher: secure.getCipher().name, reused: secure.isSessionReused() };
      // A TLS 1.3 ticket comes after the handshake, with the first bytes the server writes.
      secure.write('n NOOP\r\n');
      secure.once('data', () => {
        setTimeout(() => {
          secure.destroy();
          resolve({ ...outcome, session });
        }, 20);
      });
    });
    secure.once('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}

describe('tls_versions', () => {
  it('leaves on only the versions listed', async () => {
    const only13 = await serverWith(...rsa(), 'tls_versions: tls1_3');
    expect(await handshake(only13, { maxVersion: 'TLSv1.2' })).toMatchObject({ error: expect.stringMatching(/PROTOCOL_VERSION|HANDSHAKE/) });
    expect(await handshake(only13)).toMatchObject({ protocol: 'TLSv1.3' });
    const only12 = await serverWith(...rsa(), 'tls_versions: tls1_2');
    expect(await handshake(only12)).toMatchObject({ protocol: 'TLSv1.2' });
    expect(await handshake(only12, { minVersion: 'TLSv1.3' })).toMatchObject({ error: expect.any(String) });
  });

  it('a list that leaves none on: STARTTLS is not offered', async () => {
    const none = await serverWith(...rsa(), 'tls_versions: ssl3');
    expect(await handshake(none)).toEqual({ error: 'STARTTLS not offered' });
  });
});

describe('tls_ciphers and tls_prefer_server_ciphers', () => {
  it('allows only the ciphers listed (TLS 1.2)', async () => {
    const server = await serverWith(...rsa(), 'tls_versions: tls1_2', 'tls_ciphers: ECDHE-RSA-AES128-GCM-SHA256');
    expect(await handshake(server)).toMatchObject({ protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' });
    expect(await handshake(server, { ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' })).toMatchObject({ error: expect.any(String) });
  });

  it('chooses by the server\'s order when asked to', async () => {
    const order = 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384';
    const client = { ciphers: 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256' };
    const theirs = await serverWith(...rsa(), 'tls_versions: tls1_2', `tls_ciphers: ${order}`);
    expect(await handshake(theirs, client)).toMatchObject({ cipher: 'ECDHE-RSA-AES256-GCM-SHA384' });
    const ours = await serverWith(...rsa(), 'tls_versions: tls1_2', `tls_ciphers: ${order}`, 'tls_prefer_server_ciphers: yes');
    expect(await handshake(ours, client)).toMatchObject({ cipher: 'ECDHE-RSA-AES128-GCM-SHA256' });
  });
});

describe('tls_server_cert and tls_server_key', () => {
  it('serves an RSA and an EC certificate side by side', async () => {
    const server = await serverWith(`tls_server_cert: ${certDir}/rsa.pem,${certDir}/ec.pem`, `tls_server_key: ${certDir}/rsa.key,${certDir}/ec.key`, 'tls_versions: tls1_2');
    expect(await handshake(server, { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).toMatchObject({ cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    expect(await handshake(server, { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' })).toMatchObject({ cipher: 'ECDHE-RSA-AES128-GCM-SHA256' });
  });

  it('a key that does not belong to the certificate: STARTTLS is not offered (OpenSSL would take it and fail every handshake)', async () => {
    const server = await serverWith(`tls_server_cert: ${certDir}/rsa.pem`, `tls_server_key: ${certDir}/ec.key`);
    expect(await handshake(server)).toEqual({ error: 'STARTTLS not offered' });
  });

  it('reads the key from the certificate file when tls_server_key is unset', async () => {
    const server = await serverWith(`tls_server_cert: ${certDir}/both.pem`);
    expect(await handshake(server)).toMatchObject({ protocol: 'TLSv1.3' });
  });
});

describe('tls_session_timeout', () => {
  it('lets a session be resumed by default, and not with 0', async () => {
    const resumable = await serverWith(...rsa());
    const first = await handshake(resumable);
    expect(first.session).toBeInstanceOf(Buffer);
    expect(await handshake(resumable, { session: first.session })).toMatchObject({ reused: true });
    const never = await serverWith(...rsa(), 'tls_session_timeout: 0');
    const once = await handshake(never);
    expect(once.error).toBeUndefined();
    if (once.session) expect(await handshake(never, { session: once.session })).toMatchObject({ reused: false });
  });
});
