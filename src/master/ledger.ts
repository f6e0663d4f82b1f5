import type { ImapdConfig } from '../config/index.js';

/** The connection limits of one service, from cyrus.conf (maxchild) and imapd.conf. 0 (or -1 for maxchild): none. */
export interface ServiceLimits {
  maxchild: number;
  preloginPerHost: number;
  loginsPerHost: number;
  loginsPerUser: number;
  loginsPerUserHost: number;
}

export function serviceLimits(maxchild: number, config: ImapdConfig): ServiceLimits {
  return {
    maxchild,
    preloginPerHost: config.int('prelogin_maxconnections_per_host'),
    loginsPerHost: config.int('maxlogins_per_host'),
    loginsPerUser: config.int('maxlogins_per_user'),
    loginsPerUserHost: config.int('maxlogins_per_user_host'),
  };
}

/** Why a new connection is turned away at accept: the service is full, or its address has too many waiting. */
export type ConnectionRefusal = 'maxchild' | 'host';

interface Entry {
  readonly host: string | null;
  /** Between the greeting and a login (counted per host); false once logged in or trusted. */
  prelogin: boolean;
  user: string | null;
}

/** "::ffff:192.0.2.1" and "192.0.2.1" are one client. */
export function hostKey(address: string | undefined): string | null {
  if (!address) return null;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}

/**
 * Every connection of one service, whichever worker (or draining pool after a reload) serves it:
 * the count maxchild caps, connections not logged in per client address, and logged-in sessions
 * per address, per user and per user+address. Kept by the master, so it is exact across workers.
 */
export class ConnectionLedger {
  private readonly entries = new Map<number, Entry>();
  private readonly preloginByHost = new Map<string, number>();
  private readonly loginsByHost = new Map<string, number>();
  private readonly loginsByUser = new Map<string, number>();
  private readonly loginsByUserHost = new Map<string, number>();
  private nextId = 1;

  get size(): number {
    return this.entries.size;
  }

  /** Connections from `host` that have not logged in. */
  preloginFrom(host: string | null): number {
    return host === null ? 0 : (this.preloginByHost.get(host) ?? 0);
  }

  /** Whether a new connection from `host` must be refused now, and why. */
  refusal(host: string | null, limits: ServiceLimits): ConnectionRefusal | null {
    if (limits.maxchild >= 0 && this.entries.size >= limits.maxchild) return 'maxchild';
    if (host !== null && limits.preloginPerHost > 0 && this.preloginFrom(host) >= limits.preloginPerHost) return 'host';
    return null;
  }

  /** The client address of connection `id` (null: unknown, or a UNIX socket). */
  hostOf(id: number): string | null {
    return this.entries.get(id)?.host ?? null;
  }

  /** Count a new connection; returns its id. */
  open(host: string | null): number {
    const id = this.nextId++;
    this.entries.set(id, { host, prelogin: true, user: null });
    if (host !== null) bump(this.preloginByHost, host, 1);
    return id;
  }

  private leavePrelogin(entry: Entry): void {
    if (!entry.prelogin) return;
    entry.prelogin = false;
    if (entry.host !== null) bump(this.preloginByHost, entry.host, -1);
  }

  /** The connection is past the login stage without a user (a trusted LMTP peer). */
  pass(id: number): void {
    const entry = this.entries.get(id);
    if (entry) this.leavePrelogin(entry);
  }

  /**
   * The connection logged in as `user`: null when the limits allow it (it is then counted),
   * else which limit refuses it (the connection stays as it was, not logged in).
   */
  login(id: number, user: string, limits: ServiceLimits): string | null {
    const entry = this.entries.get(id);
    if (!entry) return null;
    if (entry.user !== null) this.forgetLogin(entry);
    const host = entry.host;
    if (limits.loginsPerUser > 0 && (this.loginsByUser.get(user) ?? 0) >= limits.loginsPerUser) return `maxlogins_per_user (${limits.loginsPerUser})`;
    if (host !== null) {
      if (limits.loginsPerHost > 0 && (this.loginsByHost.get(host) ?? 0) >= limits.loginsPerHost) return `maxlogins_per_host (${limits.loginsPerHost})`;
      if (limits.loginsPerUserHost > 0 && (this.loginsByUserHost.get(`${user} ${host}`) ?? 0) >= limits.loginsPerUserHost) {
        return `maxlogins_per_user_host (${limits.loginsPerUserHost})`;
      }
    }
    this.leavePrelogin(entry);
    entry.user = user;
    bump(this.loginsByUser, user, 1);
    if (host !== null) {
      bump(this.loginsByHost, host, 1);
      bump(this.loginsByUserHost, `${user} ${host}`, 1);
    }
    return null;
  }

  private forgetLogin(entry: Entry): void {
    if (entry.user === null) return;
    bump(this.loginsByUser, entry.user, -1);
    if (entry.host !== null) {
      bump(this.loginsByHost, entry.host, -1);
      bump(this.loginsByUserHost, `${entry.user} ${entry.host}`, -1);
    }
    entry.user = null;
  }

  /** The connection ended. */
  close(id: number): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.leavePrelogin(entry);
    this.forgetLogin(entry);
    this.entries.delete(id);
  }
}
