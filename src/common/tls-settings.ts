/**
 * The TLS settings of imapd.conf as Cyrus 3.6 reads them, for both ends of our TLS: the server side
 * (STARTTLS, STLS and the TLS-on-connect listeners: src/common/server-files.ts builds the context)
 * and the links this server opens to other servers (src/murder/link-tls.ts).
 *
 * - tls_versions: the protocol versions left on (Cyrus starts from all of them and turns off each
 *   one not listed). Words other than tls1_0 .. tls1_3 are ignored, as Cyrus ignores them; a list
 *   that leaves none on is an error (every handshake would fail). OpenSSL's security level may
 *   still refuse TLS 1.0 and 1.1 when they are listed (as it does under Debian's Cyrus).
 * - tls_ciphers: OpenSSL's cipher list for TLS 1.2 and older (TLS 1.3 keeps its own suites, as in
 *   Cyrus, where the option sets the same list).
 * - tls_prefer_server_ciphers, tls_eccurve, tls_server_dhparam, tls_session_timeout (24 h at most;
 *   0: no resumption): the server side only.
 * - tls_client_certs, tls_client_ca_file / tls_client_ca_dir, tls_crl_file: the certificates clients
 *   authenticate with (SASL EXTERNAL). Asked for when tls_client_certs is not "off" and a client CA
 *   is set; "require" without a client CA is an error, as in Cyrus (no TLS at all then).
 *
 * Pure: file names are returned, not read (the caller reads them).
 */
import { constants } from 'node:crypto';
import type { SecureVersion } from 'node:tls';
import type { ImapdConfig } from '../config/index.js';

const VERSIONS: ReadonlyArray<{ word: string; version: SecureVersion; off: number }> = [
  { word: 'tls1_0', version: 'TLSv1', off: constants.SSL_OP_NO_TLSv1 },
  { word: 'tls1_1', version: 'TLSv1.1', off: constants.SSL_OP_NO_TLSv1_1 },
  { word: 'tls1_2', version: 'TLSv1.2', off: constants.SSL_OP_NO_TLSv1_2 },
  { word: 'tls1_3', version: 'TLSv1.3', off: constants.SSL_OP_NO_TLSv1_3 },
];

/** The longest tls_session_timeout Cyrus takes (and its default). */
const MAX_SESSION_SECONDS = 24 * 3600;

/** What tls_versions and tls_ciphers make of a TLS context, at either end. */
export interface TlsProtocolOptions {
  minVersion: SecureVersion;
  maxVersion: SecureVersion;
  /** SSL_OP_NO_* of the versions between min and max that the list leaves out. */
  secureOptions: number;
  /** tls_ciphers, when set. */
  ciphers?: string;
  /** Words of tls_versions that name no version (ignored). */
  ignored: string[];
}

export class TlsSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsSettingsError';
  }
}

/** tls_versions and tls_ciphers of `config`; TlsSettingsError when tls_versions leaves no version on. */
export function tlsProtocolOptions(config: ImapdConfig): TlsProtocolOptions {
  const words = config.list('tls_versions').map((w) => w.toLowerCase());
  const on = VERSIONS.filter((v) => words.includes(v.word));
  if (on.length === 0) throw new TlsSettingsError(`tls_versions "${words.join(' ')}" leaves no TLS version on (known: ${VERSIONS.map((v) => v.word).join(' ')})`);
  const first = VERSIONS.indexOf(on[0]!);
  const last = VERSIONS.indexOf(on[on.length - 1]!);
  let secureOptions = 0;
  for (let i = first; i <= last; i++) if (!on.includes(VERSIONS[i]!)) secureOptions |= VERSIONS[i]!.off;
  const ciphers = config.string('tls_ciphers');
  return {
    minVersion: on[0]!.version,
    maxVersion: on[on.length - 1]!.version,
    secureOptions,
    ...(ciphers ? { ciphers } : {}),
    ignored: words.filter((w) => !VERSIONS.some((v) => v.word === w)),
  };
}

/** The server side's settings: the files to read and the options of the context. */
export interface TlsServerSettings {
  /** tls_server_cert: one file, or two (e.g. RSA and EC) separated by a comma. */
  certFiles: string[];
  /** tls_server_key, likewise; when unset, the key is read from the certificate files. */
  keyFiles: string[];
  dhparamFile: string | null;
  protocol: TlsProtocolOptions;
  honorCipherOrder: boolean;
  /** tls_eccurve; null: OpenSSL's automatic choice. */
  ecdhCurve: string | null;
  /** Seconds a session may be resumed; 0: not at all. */
  sessionSeconds: number;
  /** Client certificates: whether they are asked for, the CAs that verify them, the CRL. */
  clientCerts: ClientCertSettings;
}

/** What the server does about client certificates. */
export interface ClientCertSettings {
  /** Ask the client for a certificate (tls_client_certs not "off", and a client CA set). */
  request: boolean;
  /** A handshake without a (verified) certificate fails (tls_client_certs: require). */
  require: boolean;
  caFile: string | null;
  caDir: string | null;
  /** tls_crl_file, only when certificates are asked for. */
  crlFile: string | null;
}

/** tls_client_certs and the files it needs; TlsSettingsError for "require" without a client CA. */
export function clientCertSettings(config: ImapdConfig): ClientCertSettings {
  const mode = config.enum<'off' | 'optional' | 'require'>('tls_client_certs');
  const caFile = config.path('tls_client_ca_file');
  const caDir = config.path('tls_client_ca_dir');
  if (mode === 'off' || (caFile === null && caDir === null)) {
    if (mode === 'require') throw new TlsSettingsError('tls_client_certs is "require" but neither tls_client_ca_file nor tls_client_ca_dir is set');
    return { request: false, require: false, caFile: null, caDir: null, crlFile: null };
  }
  return { request: true, require: mode === 'require', caFile, caDir, crlFile: config.path('tls_crl_file') };
}

/** The server-side TLS settings, or null when tls_server_cert is not set. TlsSettingsError for a setting that cannot work. */
export function tlsServerSettings(config: ImapdConfig): TlsServerSettings | null {
  const cert = config.path('tls_server_cert');
  if (!cert) return null;
  const certFiles = splitFiles(cert);
  const key = config.path('tls_server_key');
  const keyFiles = key ? splitFiles(key) : certFiles;
  if (keyFiles.length !== certFiles.length) {
    throw new TlsSettingsError(`tls_server_key names ${keyFiles.length} file(s) for the ${certFiles.length} of tls_server_cert`);
  }
  return {
    certFiles,
    keyFiles,
    dhparamFile: config.path('tls_server_dhparam'),
    protocol: tlsProtocolOptions(config),
    honorCipherOrder: config.bool('tls_prefer_server_ciphers'),
    ecdhCurve: config.string('tls_eccurve'),
    sessionSeconds: Math.min(MAX_SESSION_SECONDS, config.seconds('tls_session_timeout') ?? MAX_SESSION_SECONDS),
    clientCerts: clientCertSettings(config),
  };
}

/** The files a TLS option names: one, or several separated by commas (tls_server_cert's RSA and EC pair). */
export function splitFiles(text: string): string[] {
  return text.split(',').map((f) => f.trim()).filter((f) => f !== '');
}
