/**
 * The internal mailbox-name grammar, as mailboxes.db stores names: an optional "domain!" prefix,
 * then components joined by "." ("user.fred.Sent", "example.com!user.joe^smith", "shared.news").
 * A dot inside a component (a userid "joe.smith", or a folder name with unixhierarchysep: yes) is
 * stored as "^". Every function here is pure text work; the checks live in validity.ts.
 */

/** The separator of internal names. */
export const HIERARCHY_SEPARATOR = '.';
/** The stand-in for a dot inside one component of an internal name. */
export const DOT_IN_COMPONENT = '^';
/** Where the domain part ends: "example.com!user.fred". */
export const DOMAIN_MARK = '!';
/** The top-level component of every user's personal hierarchy. */
export const USER_TOP = 'user';

export interface NameParts {
  /** null for the default domain (or no virtual domains). */
  domain: string | null;
  /** The name without the domain prefix. */
  local: string;
  /** The components of `local`, in internal form (dots already "^"); [] for an empty local part. */
  components: string[];
}

/** Split an internal name into domain and components. */
export function splitName(name: string): NameParts {
  const bang = name.indexOf(DOMAIN_MARK);
  const domain = bang >= 0 ? name.slice(0, bang) : null;
  const local = bang >= 0 ? name.slice(bang + 1) : name;
  return { domain, local, components: local === '' ? [] : local.split(HIERARCHY_SEPARATOR) };
}

/** The internal name of `components` in `domain` (null: the default domain). */
export function joinName(domain: string | null, components: readonly string[]): string {
  const local = components.join(HIERARCHY_SEPARATOR);
  return domain === null ? local : `${domain}${DOMAIN_MARK}${local}`;
}

/** The domain part of an internal name; null for the default domain. */
export function domainOfName(name: string): string | null {
  const bang = name.indexOf(DOMAIN_MARK);
  return bang >= 0 ? name.slice(0, bang) : null;
}

/** The parent's name, or null for a top-level mailbox. */
export function parentName(name: string): string | null {
  const parts = splitName(name);
  if (parts.components.length <= 1) return null;
  return joinName(parts.domain, parts.components.slice(0, -1));
}

/** Whether `name` is `ancestor` or lies below it. */
export function isWithin(name: string, ancestor: string): boolean {
  return name === ancestor || name.startsWith(ancestor + HIERARCHY_SEPARATOR);
}

/** The internal form of a userid's local part inside a mailbox name ("joe.smith" → "joe^smith"). */
export function localPartToInternal(localPart: string): string {
  return localPart.replaceAll('.', DOT_IN_COMPONENT);
}

/** The internal name of a user's INBOX from its parts ("fred", "example.com" → "example.com!user.fred"). */
export function inboxName(localPart: string, domain: string | null): string {
  return joinName(domain, [USER_TOP, localPartToInternal(localPart)]);
}

/** The internal name of a userid's INBOX: "fred" → "user.fred", "a.b@x.org" → "x.org!user.a^b". */
export function inboxNameOf(userid: string): string {
  const at = userid.lastIndexOf('@');
  return at >= 0 ? inboxName(userid.slice(0, at), userid.slice(at + 1)) : inboxName(userid, null);
}

/** Whether `name` is a user's INBOX: "user.fred", "example.com!user.fred". */
export function isUserInbox(name: string): boolean {
  const { components } = splitName(name);
  return components.length === 2 && components[0] === USER_TOP;
}

/** The user owning a name below "user.", as "fred" or "fred@example.com"; null for shared mailboxes. */
export function ownerOf(name: string): string | null {
  const parts = splitName(name);
  if (parts.components[0] !== USER_TOP || parts.components.length < 2) return null;
  const local = parts.components[1]!.replaceAll(DOT_IN_COMPONENT, '.');
  return parts.domain === null ? local : `${local}@${parts.domain}`;
}

/** Whether `name` is in the personal hierarchy of `userid` (its INBOX or below). */
export function isOwnedBy(name: string, userid: string): boolean {
  return isWithin(name, inboxNameOf(userid));
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
