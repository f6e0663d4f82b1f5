// STARTTLS (RFC 5804 2.2) with imapd's tls_* settings: offered before login when a certificate
// is configured, the capabilities again after the handshake (SASL PLAIN now listed, no
// STARTTLS), plaintext mechanisms refused before TLS with ENCRYPT-NEEDED when allowplaintext is off.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SieveClient, startSieveServer, type SieveTestServer } from './harness.js';

let server: SieveTestServer;
let certDir: string;

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'cyrusts-sieve-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  server = await startSieveServer({ conf: ['allowplaintext: no', `tls_server_cert: ${certDir}/cert.pem`, `tls_server_key: ${certDir}/key.pem`, 'sasl_mech_list: PLAIN LOGIN'] });
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(certDir, { recursive: true, force: true });
});

describe('STARTTLS', () => {
  it('is offered, SASL is empty before TLS, and PLAIN is refused with ENCRYPT-NEEDED', async () => {
    const client = await SieveClient.connect(server);
    expect(client.greeting.lines).toContain('"STARTTLS"');
    expect(client.greeting.lines).toContain('"SASL" ""');
    expect((await client.login()).status).toBe('NO (ENCRYPT-NEEDED) "This mechanism needs TLS: use STARTTLS first"');
    expect((await client.command('AUTHENTICATE "LOGIN"')).status).toMatch(/^NO \(ENCRYPT-NEEDED\)/);
    client.close();
  });

  it('after the handshake: the capabilities again (PLAIN LOGIN, no STARTTLS), a bare OK, then PLAIN works', async () => {
    const client = await SieveClient.connect(server);
    client.send('STARTTLS\r\n');
    expect((await client.response()).status).toBe('OK');
    await client.upgrade();
    const caps = await client.response();
    expect(caps.status).toBe('OK');
    expect(caps.lines).toContain('"SASL" "PLAIN LOGIN"');
    expect(caps.lines).not.toContain('"STARTTLS"');
    expect((await client.command('STARTTLS')).status).toBe('NO "TLS is already active"');
    expect((await client.login()).status).toBe('OK');
    expect((await client.command('LISTSCRIPTS')).status).toBe('OK');
    client.close();
  });

  it('what a client pipelines after STARTTLS in plaintext is not executed', async () => {
    const client = await SieveClient.connect(server);
    client.send('STARTTLS\r\nNOOP "injected"\r\n');
    expect((await client.response()).status).toBe('OK');
    await client.upgrade();
    expect((await client.response()).status).toBe('OK'); // capabilities
    expect((await client.command('NOOP "mine"')).status).toBe('OK (TAG "mine") "Done"');
    client.close();
  });
});
