/**
 * Internal mailbox names, as mailboxes.db stores them: an optional "domain!" prefix, then
 * components joined by "." ("user.fred.Sent", "example.com!user.joe^smith", "shared.news").
 * A dot inside a component (possible with unixhierarchysep: yes) is stored as "^".
 */
import { MailError } from '../common/errors.js';

/** Cyrus's limit on an internal mailbox name. */
export const MAX_MAILBOX_NAME = 490;

export interface InternalName {
  /** null: the default domain (or no virtual domains). */
  domain: string | null;
  /** Components in internal form (dots already "^"). */
  components: string[];
}

export function parseInternal(name: string): InternalName {
  const bang = name.indexOf('!');
  const domain = bang >= 0 ? name.slice(0, bang) : null;
  const rest = bang >= 0 ? name.slice(bang + 1) : name;
  return { domain, components: rest === '' ? [] : rest.split('.') };
}

export function formatInternal(domain: string | null, components: readonly string[]): string {
  const body = components.join('.');
  return domain === null ? body : `${domain}!${body}`;
}

/** The internal form of a userid's local part inside a mailbox name ("joe.smith" → "joe^smith"). */
export function localPartToInternal(localPart: string): string {
  return localPart.replaceAll('.', '^');
}

/** The internal name of the INBOX of a user. */
export function inboxName(localPart: string, domain: string | null): string {
  return formatInternal(domain, ['user', localPartToInternal(localPart)]);
}

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\x00-\x1f\x7f-\uffff!*%"\\/]/;
const UTF7_SHIFT = /&[^-]*-?/g;
const UTF7_GOOD = /^&([A-Za-z0-9+,]*)-$/;

/**
 * Check one component in internal form (modified UTF-7 text; "^" stands for a dot). Throws BadName
 * for what Cyrus's policy refuses: empty components, controls, 8-bit, wildcards, "!" "/" '"' "\",
 * and broken modified-UTF-7 shifts.
 */
export function checkInternalComponent(component: string): void {
  if (component.length === 0) throw new MailError('BadName', 'empty mailbox name component');
  if (FORBIDDEN.test(component)) throw new MailError('BadName', 'mailbox name contains a forbidden character');
  for (const shift of component.match(UTF7_SHIFT) ?? []) {
    const m = UTF7_GOOD.exec(shift);
    if (!m || ![0, 3, 6].includes(m[1]!.length % 8)) {
      throw new MailError('BadName', 'mailbox name is not valid modified UTF-7');
    }
  }
}

export function checkInternalLength(name: string): void {
  if (name.length > MAX_MAILBOX_NAME) throw new MailError('BadName', 'mailbox name too long');
}
