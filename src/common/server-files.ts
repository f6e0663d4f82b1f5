/**
 * Files a service reads from the configuration at run time: the TLS certificate and key, the
 * message of the day (which METADATA's server /shared/motd also writes, as in Cyrus). Protocol code
 * opens no file itself; it asks these.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * The message of the day as Cyrus keeps it: the first line of {configdirectory}/msg/motd, read at
 * each login (so an edit takes effect at once); null when the file is missing or its line empty.
 */
export function motdFromConfig(config: ImapdConfig, logger?: Logger): () => string | null {
  const file = join(config.configDirectory, 'msg', 'motd');
  return () => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger?.warn({ err: (err as Error).message, file }, 'cannot read the motd file');
      return null;
    }
    const line = text.split(/\r?\n/, 1)[0]!.trim();
    return line === '' ? null : line;
  };
}

/**
 * Write the message of the day to {configdirectory}/msg/motd (SETMETADATA "" /shared/motd, cyradm's
 * `setinfo motd`: in Cyrus that entry is this file), or remove the file for null. Replaced through
 * a temporary file, so a login never reads half of it.
 */
export function writeMotd(config: ImapdConfig, text: string | null): void {
  const dir = join(config.configDirectory, 'msg');
  const file = join(dir, 'motd');
  if (text === null) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(dir, { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${text}\n`, { mode: 0o644 });
  renameSync(temp, file);
}
