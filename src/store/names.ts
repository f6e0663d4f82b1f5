/**
 * Internal mailbox names as the store keeps them: an optional "domain!" prefix, then components
 * joined by "." ("user.fred.Sent", "example.com!user.fred"). A dot from a user's own name arrives
 * already mapped to "^" by the namespace layer. Names are modified UTF-7 text as on the wire and
 * are stored as given; this module only refuses what is unsafe or malformed for the store.
 */
import { MailError } from '../common/errors.js';

export const HIERARCHY_SEPARATOR = '.';

export interface NameParts {
  /** null for the default domain. */
  domain: string | null;
  /** The name without the domain prefix. */
  local: string;
  components: string[];
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

export function splitName(name: string): NameParts {
  const bang = name.indexOf('!');
  const domain = bang >= 0 ? name.slice(0, bang) : null;
  const local = bang >= 0 ? name.slice(bang + 1) : name;
  return { domain, local, components: local.split(HIERARCHY_SEPARATOR) };
}

export function joinName(domain: string | null, components: readonly string[]): string {
  const local = components.join(HIERARCHY_SEPARATOR);
  return domain === null ? local : `${domain}!${local}`;
}

/**
 * Throws MailError('BadName') unless `name` is a safe internal mailbox name: no empty component
 * (so no "..", no leading or trailing "."), no "/", NUL or other control character, at most one
 * "!" after a valid domain, and at most `maxLength` bytes.
 */
export function checkMailboxName(name: string, maxLength: number): void {
  if (typeof name !== 'string' || name.length === 0) throw new MailError('BadName', 'empty mailbox name');
  if (Buffer.byteLength(name, 'utf8') > maxLength) {
    throw new MailError('BadName', `mailbox name longer than ${maxLength} bytes`, { maxLength });
  }
  if (CONTROL.test(name)) throw new MailError('BadName', 'mailbox name contains a control character');
  if (name.includes('/')) throw new MailError('BadName', 'mailbox name contains "/"');
  const parts = splitName(name);
  if (parts.domain !== null && (!DOMAIN.test(parts.domain) || parts.local.includes('!'))) {
    throw new MailError('BadName', 'malformed domain part in mailbox name');
  }
  for (const component of parts.components) {
    if (component.length === 0) throw new MailError('BadName', 'mailbox name has an empty component');
  }
  // The partition's domain/ directory holds the virtual domains (ROOT/domain/example.com/...), as
  // in Cyrus: a mailbox of the default domain named "domain" would share directories with them.
  if (parts.domain === null && parts.components[0] === RESERVED_TOP_LEVEL) {
    throw new MailError('BadName', `"${RESERVED_TOP_LEVEL}" is reserved as a top-level mailbox name`);
  }
}

/** The top-level name kept for the virtual-domain root directory of each partition. */
export const RESERVED_TOP_LEVEL = 'domain';

/** The parent's name, or null for a top-level mailbox. */
export function parentName(name: string): string | null {
  const parts = splitName(name);
  if (parts.components.length <= 1) return null;
  return joinName(parts.domain, parts.components.slice(0, -1));
}

/** The user owning a name below "user.", as "fred" or "fred@example.com"; null for shared mailboxes. */
export function ownerOf(name: string): string | null {
  const parts = splitName(name);
  if (parts.components[0] !== 'user' || parts.components.length < 2) return null;
  const local = parts.components[1]!.replaceAll('^', '.');
  return parts.domain === null ? local : `${local}@${parts.domain}`;
}

/** Whether `name` is `ancestor` or lies below it. */
export function isWithin(name: string, ancestor: string): boolean {
  return name === ancestor || name.startsWith(ancestor + HIERARCHY_SEPARATOR);
}

/** The smallest string greater than every string that starts with `prefix` (code point order). */
export function prefixSuccessor(prefix: string): string | null {
  const chars = Array.from(prefix);
  while (chars.length > 0) {
    const last = chars.pop()!.codePointAt(0)!;
    let next = last + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    if (next <= 0x10ffff) return chars.join('') + String.fromCodePoint(next);
  }
  return null;
}
