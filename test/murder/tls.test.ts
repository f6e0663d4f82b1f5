// STARTTLS with imapd's tls_* settings: offered before login when a certificate is configured,
// the banner again after the handshake (PLAIN and LOGIN now listed, no STARTTLS).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startMupdate, type MupdateTestServer } from './harness.js';

let master: MupdateTestServer;
let certDir: string;

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'cyrusts-mupdate-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  master = await startMupdate({ conf: ['allowplaintext: no', `tls_server_cert: ${certDir}/cert.pem`, `tls_server_key: ${certDir}/key.pem`, 'sasl_mech_list: PLAIN LOGIN'] });
}, 60_000);

afterAll(async () => {
  await master?.close();
  rmSync(certDir, { recursive: true, force: true });
});

describe('mupdate STARTTLS', () => {
  it('is offered, and PLAIN is refused before TLS when allowplaintext is off', async () => {
    const c = await RawClient.connect(master.port);
    expect(c.greeting).toBe('* AUTH\r\n* STARTTLS\r\n* PARTIAL-UPDATE\r\n* OK MUPDATE "mupdate.test" "Cyrus IMAP" "cyrusts" "(master)"\r\n');
    expect(await c.login()).toMatch(/^L0 NO /);
    c.close();
  });

  it('after the handshake: the banner again with PLAIN and LOGIN, then a login works', async () => {
    const c = await RawClient.connect(master.port);
    expect(await c.command('S', 'STARTTLS')).toBe('S OK "Begin TLS negotiation now"\r\n');
    await c.upgrade();
    expect(await c.until(/^\* OK MUPDATE .*\r\n/m)).toBe('* AUTH "PLAIN" "LOGIN"\r\n* PARTIAL-UPDATE\r\n* OK MUPDATE "mupdate.test" "Cyrus IMAP" "cyrusts" "(master)"\r\n');
    expect(await c.command('S2', 'STARTTLS')).toBe('S2 BAD "Already using TLS"\r\n');
    expect(await c.login()).toBe('L0 OK "Authenticated"\r\n');
    expect(await c.command('N', 'NOOP')).toBe('N OK "Noop done"\r\n');
    c.close();
  });
});
