/** Issue 17: `cyr_info conf-lint` names TLS files that are not there (the master would refuse to start), and TLS settings that cannot work. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { confLint } from '../../src/tools/cyr_info.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cyrusts-lint-tls-'));
  const req = (args: string[]) => execFileSync('openssl', ['req', '-x509', '-nodes', '-days', '1', '-subj', '/CN=localhost', ...args], { stdio: 'ignore' });
  req(['-newkey', 'rsa:2048', '-keyout', join(dir, 'rsa.key'), '-out', join(dir, 'rsa.pem')]);
  req(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-keyout', join(dir, 'ec.key'), '-out', join(dir, 'ec.pem')]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lint = (...lines: string[]) => confLint(ImapdConfig.fromText(['configdirectory: /tmp/x', ...lines].join('\n'), '/etc/imapd.conf'));

describe('conf-lint and TLS files', () => {
  it('reports a missing certificate or key with file:line, and nothing for files that exist', () => {
    expect(lint('tls_server_cert: /nonexistent/cert.pem', `tls_server_key: ${import.meta.filename}`)).toEqual(['/etc/imapd.conf:2: tls_server_cert: /nonexistent/cert.pem does not exist']);
    expect(lint(`tls_server_cert: ${dir}/rsa.pem`, `tls_server_key: ${dir}/rsa.key`)).toEqual([]);
  });

  it('checks each of two comma-separated certificates, and other TLS files', () => {
    expect(lint(`tls_server_cert: ${dir}/rsa.pem,${dir}/ec.pem`, `tls_server_key: ${dir}/rsa.key,${dir}/ec.key`)).toEqual([]);
    expect(lint(`tls_server_cert: ${dir}/rsa.pem,${dir}/gone.pem`, `tls_server_key: ${dir}/rsa.key,${dir}/ec.key`, 'tls_crl_file: /nonexistent/crl.pem')).toEqual([
      `/etc/imapd.conf:2: tls_server_cert: ${dir}/gone.pem does not exist`,
      '/etc/imapd.conf:4: tls_crl_file: /nonexistent/crl.pem does not exist',
    ]);
  });

  it('reports settings the services could not build TLS from', () => {
    const [mismatch] = lint(`tls_server_cert: ${dir}/rsa.pem`, `tls_server_key: ${dir}/ec.key`);
    expect(mismatch).toMatch(/^\/etc\/imapd\.conf:2: TLS cannot be set up .*: .+/);
    expect(lint(`tls_server_cert: ${dir}/rsa.pem`, `tls_server_key: ${dir}/rsa.key`, 'tls_versions: ssl3')).toEqual([
      '/etc/imapd.conf:2: TLS cannot be set up (STARTTLS and TLS-on-connect services would be off): tls_versions "ssl3" leaves no TLS version on (known: tls1_0 tls1_1 tls1_2 tls1_3)',
    ]);
    expect(lint(`tls_server_cert: ${dir}/rsa.pem`, `tls_server_key: ${dir}/rsa.key`, 'tls_ciphers: NOSUCHCIPHER')).toHaveLength(1);
  });
});
