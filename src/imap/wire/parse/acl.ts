/**
 * The ACL commands of RFC 4314: GETACL mailbox, MYRIGHTS mailbox, DELETEACL mailbox identifier,
 * LISTRIGHTS mailbox identifier, SETACL mailbox identifier mod-rights. Every argument is an
 * astring; the letters of the rights are checked by the mail layer, not here.
 */
import type { ArgumentCursor } from '../cursor.js';
import { mailbox } from './mailbox.js';
import type { AclModification, Command } from './types.js';

type Of<N extends Command['name']> = Extract<Command, { name: N }>;
type AclCommandName = 'GETACL' | 'MYRIGHTS' | 'DELETEACL' | 'LISTRIGHTS' | 'SETACL';

/** mod-rights = astring, "+" or "-" in front adding or removing rights (RFC 4314 section 3.1). */
export function aclModification(text: string): AclModification {
  if (text.startsWith('+')) return { mode: 'add', rights: text.slice(1) };
  if (text.startsWith('-')) return { mode: 'remove', rights: text.slice(1) };
  return { mode: 'replace', rights: text };
}

export function parseAclCommand(cursor: ArgumentCursor, name: AclCommandName): Of<AclCommandName> {
  cursor.sp();
  const box = mailbox(cursor);
  if (name === 'GETACL' || name === 'MYRIGHTS') {
    cursor.end();
    return { name, mailbox: box };
  }
  cursor.sp();
  const identifier = cursor.astring('identifier');
  if (identifier === '') cursor.fail('Empty identifier');
  if (name === 'SETACL') {
    cursor.sp();
    const modification = aclModification(cursor.astring('rights'));
    cursor.end();
    return { name, mailbox: box, identifier, modification };
  }
  cursor.end();
  return { name, mailbox: box, identifier };
}
