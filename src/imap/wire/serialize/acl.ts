/** The untagged responses of RFC 4314: ACL, LISTRIGHTS and MYRIGHTS (the last also for LIST-MYRIGHTS, RFC 8440). */
import { mailboxName } from './lists.js';
import { astring } from './strings.js';

/** `* ACL mailbox id rights id rights ...` in the ACL's order. */
export function aclResponse(mailbox: string, entries: ReadonlyArray<readonly [string, string]>): string {
  const pairs = entries.map(([id, rights]) => ` ${astring(id)} ${astring(rights)}`).join('');
  return `* ACL ${mailboxName(mailbox)}${pairs}\r\n`;
}

/** `* LISTRIGHTS mailbox id required optional...`: the required rights (maybe "") and the optional groups. */
export function listRightsResponse(mailbox: string, identifier: string, required: string, optional: readonly string[]): string {
  const groups = optional.map((group) => ` ${astring(group)}`).join('');
  return `* LISTRIGHTS ${mailboxName(mailbox)} ${astring(identifier)} ${astring(required)}${groups}\r\n`;
}

/** `* MYRIGHTS mailbox rights`. */
export function myRightsResponse(mailbox: string, rights: string): string {
  return `* MYRIGHTS ${mailboxName(mailbox)} ${astring(rights)}\r\n`;
}
