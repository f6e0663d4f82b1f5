/**
 * TLS on the links a server opens to another server of the Murder (frontend → backend IMAP, POP3
 * and LMTP, backend → backend for XFER, backend and frontend → mupdate master). Each protocol asks
 * for STARTTLS its own way (IMAP and mupdate `STARTTLS`, POP3 `STLS`, LMTP `STARTTLS`); what to
 * do, the handshake and the check of the peer's certificate are here, once for all of them.
 *
 * The settings are Cyrus's client-side ones: the peer's certificate is checked against the CAs of
 * tls_server_ca_file / tls_server_ca_dir (in Cyrus those check the servers it connects to; the
 * tls_client_ca_* ones check its own clients), and tls_client_cert / tls_client_key (or
 * `<host>_client_cert` / `<host>_client_key` for one peer) are presented when set. tls_versions and
 * tls_ciphers apply as on the server side (src/common/tls-settings.ts). murder_tls (not a Cyrus
 * option) says whether a link must be encrypted.
 */
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { ImapdConfig } from '../config/index.js';
import { certificatesInDir, pemFile, tlsProtocolOptions, type TlsProtocolOptions } from '../common/index.js';

export type LinkTlsMode = 'off' | 'optional' | 'required';

export interface LinkTls {
  mode: LinkTlsMode;
  /** PEM CA certificates (tls_server_ca_file, then every certificate file of tls_server_ca_dir); empty: none configured. */
  ca: Buffer[];
  /** Client certificate and key per peer host as written in `HOST_client_cert` (Cyrus: the short name), '' for the default. */
  clientCert: Map<string, { cert: Buffer; key: Buffer }>;
  /** tls_versions and tls_ciphers (null until read, and with `problem`). */
  protocol: TlsProtocolOptions | null;
  /** A setting that could not be read: every link that would use TLS fails with it. */
  problem: string | null;
}

/** The link to a peer could not be made safe: the peer does not offer STARTTLS, refused it, or its certificate did not verify. */
export class LinkTlsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinkTlsError';
  }
}

const OFF: LinkTls = { mode: 'off', ca: [], clientCert: new Map(), protocol: null, problem: null };

function clientPair(cert: string | null, key: string | null): { cert: Buffer; key: Buffer } | null {
  if (cert === null || key === null || cert === 'disabled' || key === 'disabled') return null;
  return { cert: pemFile(cert), key: pemFile(key) };
}

const cache = new WeakMap<ImapdConfig, LinkTls>();

/** The link TLS settings of `config`, read once per config (the files too). A file that cannot be read is kept as `problem`. */
export function linkTlsFromConfig(config: ImapdConfig): LinkTls {
  let tls = cache.get(config);
  if (tls === undefined) {
    tls = readLinkTls(config);
    cache.set(config, tls);
  }
  return tls;
}

function readLinkTls(config: ImapdConfig): LinkTls {
  const mode = config.enum<LinkTlsMode>('murder_tls');
  if (mode === 'off') return OFF;
  const tls: LinkTls = { mode, ca: [], clientCert: new Map(), protocol: null, problem: null };
  try {
    tls.protocol = tlsProtocolOptions(config);
    const caFile = config.path('tls_server_ca_file');
    const caDir = config.path('tls_server_ca_dir');
    if (caFile) tls.ca.push(pemFile(caFile));
    if (caDir) tls.ca.push(...certificatesInDir(caDir));
    const fallback = clientPair(config.path('tls_client_cert'), config.path('tls_client_key'));
    if (fallback) tls.clientCert.set('', fallback);
    for (const { name, text } of config.unusedOptions()) {
      const m = /^(.+)_client_cert$/.exec(name);
      if (!m) continue;
      const pair = clientPair(text, config.unusedOptions().find((o) => o.name === `${m[1]}_client_key`)?.text ?? null);
      if (pair) tls.clientCert.set(m[1]!, pair);
    }
  } catch (err) {
    tls.problem = `cannot read the TLS settings for links to other servers: ${(err as Error).message}`;
  }
  return tls;
}

/** Links made by code that was given no settings: plain, as before TLS existed on them. */
export const NO_LINK_TLS: LinkTls = OFF;

/**
 * Whether to ask the peer for STARTTLS, given whether it offers it. True: upgrade; false: stay
 * plain. LinkTlsError when murder_tls is required and it cannot be had.
 */
export function wantStartTls(tls: LinkTls, offered: boolean, peer: string): boolean {
  if (tls.mode === 'off') return false;
  if (tls.problem !== null) {
    if (tls.mode === 'required') throw new LinkTlsError(tls.problem);
    return false;
  }
  if (tls.ca.length === 0) {
    if (tls.mode === 'required') throw new LinkTlsError('murder_tls is required but neither tls_server_ca_file nor tls_server_ca_dir is set');
    return false;
  }
  if (!offered) {
    if (tls.mode === 'required') throw new LinkTlsError(`${peer} does not offer STARTTLS and murder_tls is required`);
    return false;
  }
  return true;
}

/**
 * The TLS handshake on `socket` (after the peer said to begin), the peer's certificate checked
 * against the configured CAs and its name against `host`. Resolves with the TLS socket, on which
 * the protocol starts again; LinkTlsError (the plain socket destroyed) when the handshake or the
 * check fails.
 */
export function startLinkTls(socket: Socket, tls: LinkTls, host: string, timeoutMs: number): Promise<TLSSocket> {
  const name = host.toLowerCase();
  const client = tls.clientCert.get(name) ?? (isIP(host) ? undefined : tls.clientCert.get(name.split('.')[0]!)) ?? tls.clientCert.get('');
  return new Promise((resolve, reject) => {
    const secure = tlsConnect({
      socket,
      ca: tls.ca,
      ...(client ? { cert: client.cert, key: client.key } : {}),
      servername: isIP(host) ? undefined : host,
      host,
      rejectUnauthorized: true,
      minVersion: tls.protocol?.minVersion ?? 'TLSv1.2',
      ...(tls.protocol ? { maxVersion: tls.protocol.maxVersion, secureOptions: tls.protocol.secureOptions } : {}),
      ...(tls.protocol?.ciphers ? { ciphers: tls.protocol.ciphers } : {}),
    });
    const timer = setTimeout(() => fail(new Error('TLS handshake timed out')), timeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      secure.destroy();
      socket.destroy();
      reject(new LinkTlsError(`TLS with ${host} failed: ${err.message}`));
    };
    secure.once('error', fail);
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      secure.off('error', fail);
      secure.setNoDelay(true);
      resolve(secure);
    });
  });
}
