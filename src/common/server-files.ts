/**
 * Files a service reads from the configuration at run time: the TLS certificate and key, the
 * message of the day. Protocol code opens no file itself; it asks these.
 */
import { readFileSync } from 'node:fs';
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
