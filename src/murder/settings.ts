/**
 * Murder settings read once from imapd.conf: where the mupdate master is and how to log in there,
 * how a frontend logs in to a backend for a user, and on which port each backend service listens.
 */
import { randomInt } from 'node:crypto';
import { servicePort, type ImapdConfig } from '../config/index.js';
import type { MailboxEntry } from '../store/index.js';
import { linkTlsFromConfig, type LinkTls } from './link-tls.js';

export type MurderLayout = 'standard' | 'unified' | 'replicated';
export type BackendProtocol = 'imap' | 'pop3' | 'lmtp';

export interface MupdateLogin {
  /** SASL authentication name (mupdate_authname, with @mupdate_realm when set). */
  authname: string;
  /** SASL authorization name (mupdate_username); '' acts as authname. */
  authzid: string;
  password: string;
}

export interface MurderSettings {
  /** This server's name in locations ("server!partition"): servername, else the host name. */
  servername: string;
  /** mupdate_server: null when this server is in no Murder. */
  mupdateServer: string | null;
  mupdatePort: number;
  /** null when mupdate_authname or mupdate_password is not set. */
  mupdateLogin: MupdateLogin | null;
  /** mupdate_retry_delay, ms. */
  retryDelayMs: number;
  layout: MurderLayout;
  connectionsMax: number;
  ports: Record<BackendProtocol, number>;
  /** TLS on the links this server opens (murder_tls, tls_server_ca_*, tls_client_*). */
  linkTls: LinkTls;
}

/** murder_PROTOCOL_port, else the service's port in /etc/services, as Cyrus finds its backends. */
function portOf(config: ImapdConfig, protocol: BackendProtocol): number {
  if (config.isSet(`murder_${protocol}_port`)) return config.int(`murder_${protocol}_port`);
  return servicePort(protocol) ?? { imap: 143, pop3: 110, lmtp: 24 }[protocol];
}

export function murderSettings(config: ImapdConfig, servername: string): MurderSettings {
  const authname = config.string('mupdate_authname');
  const password = config.string('mupdate_password');
  const realm = config.string('mupdate_realm');
  return {
    servername,
    mupdateServer: config.string('mupdate_server'),
    mupdatePort: config.int('mupdate_port'),
    mupdateLogin: authname !== null && password !== null
      ? { authname: realm ? `${authname}@${realm}` : authname, authzid: config.string('mupdate_username') ?? '', password }
      : null,
    retryDelayMs: (config.seconds('mupdate_retry_delay') ?? 20) * 1000,
    layout: config.enum<MurderLayout>('mupdate_config'),
    connectionsMax: config.int('mupdate_connections_max'),
    ports: { imap: portOf(config, 'imap'), pop3: portOf(config, 'pop3'), lmtp: portOf(config, 'lmtp') },
    linkTls: linkTlsFromConfig(config),
  };
}

export interface ProxyLogin {
  /** proxy_authname (with @proxy_realm when set): who the frontend logs in as. */
  authname: string;
  /** `<server>_password`, else proxy_password. */
  password: string;
}

/** The frontend's login on one backend; null when no password is configured for it. */
export function proxyLogin(config: ImapdConfig, server: string): ProxyLogin | null {
  const name = config.string('proxy_authname') ?? 'proxy';
  const realm = config.string('proxy_realm');
  const password = config.hostSetting(server, 'password') ?? config.string('proxy_password');
  if (password === null) return null;
  return { authname: realm ? `${name}@${realm}` : name, password };
}

/** Host and port of a backend's service. */
export function backendAddress(settings: MurderSettings, server: string, protocol: BackendProtocol): { host: string; port: number } {
  return { host: server, port: settings.ports[protocol] };
}

/** Whether an entry of the mailbox list lives on another server of the Murder. */
export function isRemoteEntry(entry: Pick<MailboxEntry, 'server' | 'type'>, servername: string): boolean {
  if (entry.type.includes('remote')) return true;
  return entry.server !== null && entry.server !== '' && entry.server !== servername;
}

/**
 * Whether this server is a standard Murder's frontend: in a Murder (mupdate_server set, layout
 * standard) and not a backend. Cyrus tells them apart the same way: only backends list the
 * frontends' proxy user in proxyservers ("DO NOT SET on frontends", imapd.conf(5)). A frontend never
 * makes mailboxes of its own: every mailbox lives on a backend.
 */
export function isMurderFrontend(config: ImapdConfig): boolean {
  return config.string('mupdate_server') !== null && config.enum<MurderLayout>('mupdate_config') === 'standard' && config.list('proxyservers').length === 0;
}

/**
 * The backend a frontend puts a new top-level mailbox on (a new user's INBOX): one of serverlist,
 * at random (a backend's free space cannot be read over IMAP); null when serverlist is empty.
 */
export function serverlistChoice(config: ImapdConfig): string | null {
  const servers = config.list('serverlist').filter((s) => s !== '');
  return servers.length === 0 ? null : servers[randomInt(servers.length)]!;
}
