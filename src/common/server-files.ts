/**
 * Files a service reads from the configuration at run time: the TLS certificate and key, the
 * message of the day (which METADATA's server /shared/motd also writes, as in Cyrus). Protocol code
 * opens no file itself; it asks these.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { ImapdConfig } from '../config/index.js';
import type { Logger } from './log.js';

/**
 * TLS credentials from tls_server_cert / tls_server_key, or null when not configured. Files that
 * cannot be read are logged and TLS is left off (STARTTLS is then not offered), rather than
 * keeping the whole service down.
 */
export function tlsContextFromConfig(config: ImapdConfig, logger?: Logger): SecureContext | null {
  const cert = config.path('tls_server_cert');
  const key = config.path('tls_server_key');
  if (!cert || !key) return null;
  try {
    return createSecureContext({ cert: readFileSync(cert), key: readFileSync(key), minVersion: 'TLSv1.2' });
  } catch (err) {
    logger?.error({ err: (err as Error).message, cert, key }, 'cannot load the TLS certificate or key: STARTTLS disabled');
    return null;
  }
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
