/**
 * Domain names as mailbox names and userids carry them, and the `virtdomains` setting.
 */
import type { ImapdConfig } from '../config/index.js';
import { VIRTDOMAINS_WORDS } from '../config/options/auth.js';
import { MailError } from '../common/errors.js';

export type VirtDomains = 'off' | 'userid' | 'on';

/** The `virtdomains` setting, its aliases resolved (yes/true/1 → on, no/false/0 → off). */
export function virtDomainsSetting(config: ImapdConfig): VirtDomains {
  return VIRTDOMAINS_WORDS[config.enum('virtdomains')] ?? 'off';
}

const DOMAIN_RE = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Lowercase and check a domain name; throws BadName. */
export function canonicalDomain(domain: string): string {
  const d = domain.toLowerCase().replace(/\.$/, '');
  if (!DOMAIN_RE.test(d)) throw new MailError('BadName', 'not a valid domain name');
  return d;
}
