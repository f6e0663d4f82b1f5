/**
 * What makes an internal mailbox name acceptable.
 * - checkMailboxName: the store's safety check on every name it writes (no empty component, so no
 *   "..", no leading or trailing "."; no "/", NUL or other control; a valid "domain!" part; the
 *   reserved top-level name; the length limit).
 * - checkNewComponent: the stricter policy on a component a client names (Cyrus's
 *   mboxname_policycheck): no 8-bit, "%", "!" "/" '"' "\", well-formed modified UTF-7, and
 *   at most 255 bytes (a component is a directory name on the partition). "*" is allowed, as
 *   Cyrus 3.6 and Dovecot both allow it (checked on both): a mailbox of Cyrus's named with it must
 *   be creatable here too; LIST matches it as a plain character.
 * - checkNameLength: the one length limit, `maxmailboxnamelength` bytes of the internal name.
 */
import { MailError } from '../common/errors.js';
import { splitName } from './grammar.js';

/** The default of `maxmailboxnamelength` (Cyrus's MAX_MAILBOX_NAME). */
export const DEFAULT_MAX_NAME_LENGTH = 490;

/** The file system's limit on one path component (NAME_MAX), which a name component becomes. */
export const MAX_COMPONENT_BYTES = 255;

/** The top-level name kept for the virtual-domain root directory of each partition. */
export const RESERVED_TOP_LEVEL = 'domain';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
const DOMAIN_PART = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** Throws BadName when the internal name is longer than `maxLength` bytes (UTF-8). */
export function checkNameLength(name: string, maxLength: number): void {
  if (Buffer.byteLength(name, 'utf8') > maxLength) {
    throw new MailError('BadName', `mailbox name longer than ${maxLength} bytes`, { maxLength });
  }
}

/**
 * Throws MailError('BadName') unless `name` is a safe internal mailbox name (see the top of the
 * file) of at most `maxLength` bytes.
 */
export function checkMailboxName(name: string, maxLength: number): void {
  if (typeof name !== 'string' || name.length === 0) throw new MailError('BadName', 'empty mailbox name');
  checkNameLength(name, maxLength);
  if (CONTROL.test(name)) throw new MailError('BadName', 'mailbox name contains a control character');
  if (name.includes('/')) throw new MailError('BadName', 'mailbox name contains "/"');
  const parts = splitName(name);
  if (parts.domain !== null && (!DOMAIN_PART.test(parts.domain) || parts.local.includes('!'))) {
    throw new MailError('BadName', 'malformed domain part in mailbox name');
  }
  if (parts.components.length === 0 || parts.components.some((c) => c.length === 0)) {
    throw new MailError('BadName', 'mailbox name has an empty component');
  }
  // The partition's domain/ directory holds the virtual domains (ROOT/domain/example.com/...), as
  // in Cyrus: a mailbox of the default domain named "domain" would share directories with them.
  if (parts.domain === null && parts.components[0] === RESERVED_TOP_LEVEL) {
    throw new MailError('BadName', `"${RESERVED_TOP_LEVEL}" is reserved as a top-level mailbox name`);
  }
}

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\x00-\x1f\x7f-\uffff!%"\\/]/;
const UTF7_SHIFT = /&[^-]*-?/g;
const UTF7_GOOD = /^&([A-Za-z0-9+,]*)-$/;

/**
 * Check one component a client names, in internal form (modified UTF-7 text; "^" stands for a
 * dot). Throws BadName for empty components, controls, 8-bit, wildcards, "!" "/" '"' "\", and
 * broken modified-UTF-7 shifts.
 */
export function checkNewComponent(component: string): void {
  if (component.length === 0) throw new MailError('BadName', 'empty mailbox name component');
  // Each component is a directory name on the partition: refuse up front what mkdir would refuse.
  if (Buffer.byteLength(component, 'utf8') > MAX_COMPONENT_BYTES) {
    throw new MailError('BadName', `mailbox name component longer than ${MAX_COMPONENT_BYTES} bytes`, { maxLength: MAX_COMPONENT_BYTES });
  }
  if (FORBIDDEN.test(component)) throw new MailError('BadName', 'mailbox name contains a forbidden character');
  for (const shift of component.match(UTF7_SHIFT) ?? []) {
    const m = UTF7_GOOD.exec(shift);
    if (!m || ![0, 3, 6].includes(m[1]!.length % 8)) {
      throw new MailError('BadName', 'mailbox name is not valid modified UTF-7');
    }
  }
}
