/**
 * Turning what a client typed into a canonical userid, and deciding who is an administrator.
 * Rules (Cyrus's): username_tolower; virtdomains off → only the local part counts; userid/on →
 * "user@domain" or "user%domain", a user qualified with defaultdomain is the unqualified user;
 * virtdomains on → an unqualified login takes the domain of the address the client connected to.
 */
import type { ImapdConfig } from '../config/index.js';
import { MailError } from '../common/errors.js';
import { canonicalDomain, virtDomainsSetting, type VirtDomains } from '../names/index.js';
import { checkLocalPart, formatUserid, type UseridParts } from './identity.js';

export { virtDomainsSetting, type VirtDomains };

export class UseridRules {
  readonly virtdomains: VirtDomains;
  readonly defaultDomain: string | null;
  readonly toLower: boolean;
  readonly dotsAllowed: boolean;

  constructor(private readonly config: ImapdConfig) {
    this.virtdomains = virtDomainsSetting(config);
    const dd = config.string('defaultdomain');
    this.defaultDomain = dd ? canonicalDomain(dd) : null;
    this.toLower = config.bool('username_tolower');
    this.dotsAllowed = config.bool('unixhierarchysep');
  }

  /**
   * The canonical parts of a login name. `connectionDomain` is the domain found from the local
   * address (virtdomains: on), used only when the name carries none. Throws BadName.
   */
  canonicalParts(raw: string, connectionDomain: string | null = null): UseridParts {
    const name = this.toLower ? raw.toLowerCase() : raw;
    let local = name;
    let domain: string | null = null;
    const at = name.lastIndexOf('@');
    const split = at >= 0 ? at : this.virtdomains === 'off' ? -1 : name.lastIndexOf('%');
    if (split >= 0) {
      local = name.slice(0, split);
      domain = this.virtdomains === 'off' ? null : canonicalDomain(name.slice(split + 1));
    } else if (this.virtdomains === 'on' && connectionDomain !== null) {
      domain = canonicalDomain(connectionDomain);
    }
    if (domain !== null && domain === this.defaultDomain) domain = null;
    checkLocalPart(local, this.dotsAllowed);
    return { localPart: local, domain };
  }

  canonical(raw: string, connectionDomain: string | null = null): string {
    return formatUserid(this.canonicalParts(raw, connectionDomain));
  }

  /** Like canonical(), but null instead of throwing for a malformed name. */
  tryCanonical(raw: string, connectionDomain: string | null = null): string | null {
    try {
      return this.canonical(raw, connectionDomain);
    } catch (err) {
      if (err instanceof MailError) return null;
      throw err;
    }
  }

  /** admins (and SERVICE_admins for `service`), canonical. */
  admins(service: string | null): Set<string> {
    const out = new Set<string>();
    for (const entry of this.config.forService(service).list('admins')) {
      const id = this.tryCanonical(entry);
      if (id !== null) out.add(id);
    }
    return out;
  }

  /** Whether canonical `userid` is an admin for `service`: global (unqualified) or of its domain. */
  adminKind(userid: string, service: string | null): 'global' | 'domain' | null {
    if (!this.admins(service).has(userid)) return null;
    return userid.includes('@') ? 'domain' : 'global';
  }

  /** proxyservers, canonical. */
  proxyServers(service: string | null): Set<string> {
    const out = new Set<string>();
    for (const entry of this.config.forService(service).list('proxyservers')) {
      const id = this.tryCanonical(entry);
      if (id !== null) out.add(id);
    }
    return out;
  }
}

/** The domain of a host name: "mail.example.com" → "example.com"; null when nothing is left. */
export function domainOfHostname(hostname: string): string | null {
  const host = hostname.replace(/\.$/, '');
  const dot = host.indexOf('.');
  if (dot < 0 || dot === host.length - 1) return null;
  return host.slice(dot + 1).toLowerCase();
}
