/**
 * Files a service reads from the configuration at run time: the TLS certificate and key, the
 * message of the day (which METADATA's server /shared/motd also writes, as in Cyrus). Protocol code
 * opens no file itself; it asks these.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate, constants, createPrivateKey } from 'node:crypto';
import { createSecureContext, type SecureContext, type TLSSocketOptions } from 'node:tls';
import type { ImapdConfig } from '../config/index.js';
import type { Logger } from './log.js';
import { tlsServerSettings, type ClientCertSettings } from './tls-settings.js';

/**
 * The server side's TLS context from tls_server_cert / tls_server_key and the other tls_* options
 * (src/common/tls-settings.ts), or null when no certificate is configured. A file that cannot be
 * read or a setting that cannot work is logged and TLS is left off (STARTTLS is then not offered),
 * rather than keeping the whole service down.
 */
export function tlsContextFromConfig(config: ImapdConfig, logger?: Logger): SecureContext | null {
  try {
    return buildTlsContext(config, logger);
  } catch (err) {
    logger?.error({ err: (err as Error).message, cert: config.path('tls_server_cert'), key: config.path('tls_server_key') }, 'cannot set up TLS: STARTTLS disabled');
    return null;
  }
}

/** tlsContextFromConfig, throwing what it logs (a TLS-on-connect listener cannot run without it). */
export function buildTlsContext(config: ImapdConfig, logger?: Logger): SecureContext | null {
  const settings = tlsServerSettings(config);
  if (settings === null) return null;
  const { protocol, clientCerts } = settings;
  if (protocol.ignored.length > 0) logger?.warn({ ignored: protocol.ignored }, 'tls_versions: words that name no TLS version are ignored');
  const certs = settings.certFiles.map((f) => readFileSync(f));
  const keys = settings.keyFiles.map((f) => readFileSync(f));
  // OpenSSL takes a key that does not belong to its certificate without a word (and then fails
  // every handshake): refuse it here, where the files are named.
  certs.forEach((cert, i) => {
    if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(keys[i]!))) {
      throw new Error(`the key in ${settings.keyFiles[i]} does not belong to the certificate in ${settings.certFiles[i]}`);
    }
  });
  const context = createSecureContext({
    cert: certs,
    key: keys,
    ...(settings.dhparamFile ? { dhparam: readFileSync(settings.dhparamFile) } : {}),
    minVersion: protocol.minVersion,
    maxVersion: protocol.maxVersion,
    // Without resumption no session ticket is handed out (the only resumption a worker offers).
    secureOptions: protocol.secureOptions | (settings.sessionSeconds === 0 ? constants.SSL_OP_NO_TICKET : 0),
    ...(protocol.ciphers ? { ciphers: protocol.ciphers } : {}),
    honorCipherOrder: settings.honorCipherOrder,
    ...(settings.ecdhCurve ? { ecdhCurve: settings.ecdhCurve } : {}),
    ...(settings.sessionSeconds > 0 ? { sessionTimeout: settings.sessionSeconds } : {}),
    ...clientCertOptions(clientCerts),
  });
  clientCertPolicy.set(context, clientCerts);
  return context;
}

/** The client-certificate policy each server context was built with (tlsSocketOptions reads it). */
const clientCertPolicy = new WeakMap<SecureContext, ClientCertSettings>();

/**
 * The client CAs (which also name the acceptable issuers in the certificate request) and the CRL.
 * Only these CAs verify client certificates (OpenSSL's default store is not added, unlike Cyrus).
 */
function clientCertOptions(clientCerts: ClientCertSettings): { ca?: Buffer[]; crl?: Buffer; sessionIdContext?: string } {
  if (!clientCerts.request) return {};
  const ca = [...(clientCerts.caFile ? [readFileSync(clientCerts.caFile)] : []), ...(clientCerts.caDir ? certificatesInDir(clientCerts.caDir) : [])];
  if (ca.length === 0) throw new Error(`no CA certificate in ${clientCerts.caDir} (tls_client_ca_dir)`);
  return {
    ca,
    ...(clientCerts.crlFile ? { crl: readFileSync(clientCerts.crlFile) } : {}),
    // A session that carries a client certificate may only be resumed in a context with an id.
    sessionIdContext: 'cyrusts',
  };
}

/**
 * The options of a server-side TLS socket over `context`: the one place where asking for a client
 * certificate (and refusing a handshake without one) is decided, for STARTTLS and TLS on connect.
 * A presented certificate that does not verify is refused after the handshake (serverTlsSocket).
 */
export function tlsSocketOptions(context: SecureContext | null): TLSSocketOptions {
  const policy = context ? clientCertPolicy.get(context) : undefined;
  return {
    isServer: true,
    ...(context ? { secureContext: context } : {}),
    ...(policy?.request ? { requestCert: true, rejectUnauthorized: policy.require } : {}),
  };
}

/** A PEM file named in the configuration (a CA, a client certificate or its key), read whole; throws when it cannot be read. */
export function pemFile(file: string): Buffer {
  return readFileSync(file);
}

/** The certificates of a CA directory (tls_*_ca_dir): every regular file holding one, in name order. */
export function certificatesInDir(dir: string): Buffer[] {
  const out: Buffer[] = [];
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name);
    if (!statSync(file).isFile()) continue;
    const pem = readFileSync(file);
    if (pem.includes('-----BEGIN CERTIFICATE-----')) out.push(pem);
  }
  return out;
}

/** The first line of `file`, trimmed; null when the file is missing or that line empty. */
function firstLineOf(file: string, logger: Logger | undefined, what: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger?.warn({ err: (err as Error).message, file }, `cannot read the ${what} file`);
    return null;
  }
  const line = text.split(/\r?\n/, 1)[0]!.trim();
  return line === '' ? null : line;
}

/**
 * The message of the day as Cyrus keeps it: the first line of {configdirectory}/msg/motd, read at
 * each login (so an edit takes effect at once); null when the file is missing or its line empty.
 */
export function motdFromConfig(config: ImapdConfig, logger?: Logger): () => string | null {
  const file = join(config.configDirectory, 'msg', 'motd');
  return () => firstLineOf(file, logger, 'motd');
}

/**
 * Cyrus's shutdown file, {configdirectory}/msg/shutdown: while it exists, new connections are
 * refused and sessions end at their next command, with its first line as the reason (null: none).
 * Looked at before every command: a stat, and a read only when the file is there.
 */
export function shutdownFromConfig(config: ImapdConfig, logger?: Logger): () => string | null {
  const file = join(config.configDirectory, 'msg', 'shutdown');
  return () => (existsSync(file) ? (firstLineOf(file, logger, 'shutdown') ?? 'Server shutting down') : null);
}

/** The files of msg/ that METADATA's server entries are (/shared/motd, /shared/vendor/cmu/cyrus-imapd/shutdown). */
export type ServerMessage = 'motd' | 'shutdown';

/**
 * Write {configdirectory}/msg/NAME (SETMETADATA "" /shared/motd or .../shutdown, cyradm's `setinfo`:
 * in Cyrus those entries are these files), or remove it for null. Replaced through a temporary file,
 * so a reader never sees half of it.
 */
export function writeServerMessage(config: ImapdConfig, name: ServerMessage, text: string | null): void {
  const dir = join(config.configDirectory, 'msg');
  const file = join(dir, name);
  if (text === null) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(dir, { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${text}\n`, { mode: 0o644 });
  renameSync(temp, file);
}
