import { constants } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clientCertSettings, tlsProtocolOptions, tlsServerSettings, TlsSettingsError } from '../../src/common/tls-settings.js';
import { ImapdConfig } from '../../src/config/index.js';

const conf = (...lines: string[]) => ImapdConfig.fromText(['configdirectory: /var/lib/x', ...lines].join('\n'));

describe('tlsProtocolOptions (tls_versions, tls_ciphers)', () => {
  it.each([
    // tls_versions, min, max, versions turned off between them
    [null, 'TLSv1.2', 'TLSv1.3', 0],
    ['tls1_3', 'TLSv1.3', 'TLSv1.3', 0],
    ['tls1_2', 'TLSv1.2', 'TLSv1.2', 0],
    ['tls1_0 tls1_1 tls1_2 tls1_3', 'TLSv1', 'TLSv1.3', 0],
    ['tls1_3 tls1_1', 'TLSv1.1', 'TLSv1.3', constants.SSL_OP_NO_TLSv1_2],
    ['tls1_0 tls1_3', 'TLSv1', 'TLSv1.3', constants.SSL_OP_NO_TLSv1_1 | constants.SSL_OP_NO_TLSv1_2],
    ['TLS1_2 ssl3', 'TLSv1.2', 'TLSv1.2', 0],
  ])('tls_versions %j: %s to %s', (versions, min, max, off) => {
    const options = tlsProtocolOptions(versions === null ? conf() : conf(`tls_versions: ${versions}`));
    expect(options).toMatchObject({ minVersion: min, maxVersion: max, secureOptions: off });
    expect(options.ciphers).toBeUndefined();
  });

  it('names the words it ignores', () => {
    expect(tlsProtocolOptions(conf('tls_versions: ssl3 tls1_2 tls1_4')).ignored).toEqual(['ssl3', 'tls1_4']);
  });

  it('refuses a list that leaves no version on', () => {
    expect(() => tlsProtocolOptions(conf('tls_versions: ssl3'))).toThrow(TlsSettingsError);
    expect(() => tlsProtocolOptions(conf('tls_versions: ssl3'))).toThrow(/leaves no TLS version on/);
  });

  it('passes tls_ciphers on as it is written', () => {
    expect(tlsProtocolOptions(conf('tls_ciphers: ECDHE-RSA-AES128-GCM-SHA256:!aNULL')).ciphers).toBe('ECDHE-RSA-AES128-GCM-SHA256:!aNULL');
  });
});

describe('tlsServerSettings', () => {
  it('is null without a certificate', () => {
    expect(tlsServerSettings(conf('tls_server_key: /k.pem'))).toBeNull();
  });

  it('reads the key from the certificate file when tls_server_key is unset', () => {
    expect(tlsServerSettings(conf('tls_server_cert: /etc/c.pem'))).toMatchObject({ certFiles: ['/etc/c.pem'], keyFiles: ['/etc/c.pem'] });
  });

  it('takes two certificates and two keys, comma-separated', () => {
    expect(tlsServerSettings(conf('tls_server_cert: /etc/rsa.pem,/etc/ec.pem', 'tls_server_key: /etc/rsa.key,/etc/ec.key'))).toMatchObject({
      certFiles: ['/etc/rsa.pem', '/etc/ec.pem'],
      keyFiles: ['/etc/rsa.key', '/etc/ec.key'],
    });
    expect(() => tlsServerSettings(conf('tls_server_cert: /etc/rsa.pem,/etc/ec.pem', 'tls_server_key: /etc/rsa.key'))).toThrow(/names 1 file\(s\) for the 2/);
  });

  it.each([
    [[], 86400, false, null, null],
    [['tls_session_timeout: 0'], 0, false, null, null],
    [['tls_session_timeout: 30'], 1800, false, null, null],
    [['tls_session_timeout: 48h'], 86400, false, null, null],
    [['tls_prefer_server_ciphers: yes', 'tls_eccurve: prime256v1', 'tls_server_dhparam: /etc/dh.pem'], 86400, true, 'prime256v1', '/etc/dh.pem'],
  ])('%j', (lines, seconds, honor, curve, dhparam) => {
    expect(tlsServerSettings(conf('tls_server_cert: /c.pem', ...lines))).toMatchObject({ sessionSeconds: seconds, honorCipherOrder: honor, ecdhCurve: curve, dhparamFile: dhparam });
  });
});

describe('clientCertSettings (tls_client_certs, tls_client_ca_*, tls_crl_file)', () => {
  const none = { request: false, require: false, caFile: null, caDir: null, crlFile: null };
  it.each([
    // lines, what comes of them
    [[], none],
    [['tls_client_ca_file: /ca.pem'], { request: true, require: false, caFile: '/ca.pem', caDir: null, crlFile: null }],
    [['tls_client_ca_dir: /cas', 'tls_crl_file: /crl.pem'], { request: true, require: false, caFile: null, caDir: '/cas', crlFile: '/crl.pem' }],
    [['tls_client_certs: require', 'tls_client_ca_file: /ca.pem'], { request: true, require: true, caFile: '/ca.pem', caDir: null, crlFile: null }],
    [['tls_client_certs: off', 'tls_client_ca_file: /ca.pem', 'tls_crl_file: /crl.pem'], none],
    [['tls_ca_file: /old.pem'], { request: true, require: false, caFile: '/old.pem', caDir: null, crlFile: null }],
  ])('%j', (lines, expected) => {
    expect(clientCertSettings(conf(...lines))).toEqual(expected);
  });

  it('refuses "require" without a client CA (no TLS at all then, as in Cyrus)', () => {
    expect(() => clientCertSettings(conf('tls_client_certs: require'))).toThrow(TlsSettingsError);
  });
});
