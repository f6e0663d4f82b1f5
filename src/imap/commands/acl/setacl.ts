/**
 * SETACL and DELETEACL (RFC 4314 sections 3.1, 3.2), for a holder of the `a` right. SETACL's
 * rights replace the identifier's entry, or with "+"/"-" in front are added to or taken from it;
 * an entry left without rights goes away. Unknown right letters are BAD; an identifier naming a
 * user of another virtual domain is refused. The store keeps the new ACL (mailboxes.db and its
 * ACL index, cyrus.header) and tells every session, so the next command anywhere sees it.
 */
import { aclWithChange, aclWithout, Rights } from '../../../acl/index.js';
import { MailError } from '../../../common/index.js';
import { AUTHENTICATED } from '../../session/state.js';
import { always, CommandFailure, defineCommand } from '../types.js';
import { aclTarget, storedIdentifier } from './access.js';

function parseRights(letters: string): Rights {
  try {
    return Rights.parse(letters);
  } catch (err) {
    if (err instanceof MailError) throw new CommandFailure('BAD', null, `Invalid rights: ${err.message}`);
    throw err;
  }
}

export const setAclCommand = defineCommand({
  name: 'SETACL',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const rights = parseRights(command.modification.rights);
    const { entry } = aclTarget(ctx, command.mailbox, 'a');
    const identifier = storedIdentifier(ctx, entry, command.identifier);
    ctx.deps.store.setAcl(entry.name, aclWithChange(entry.acl, identifier, { mode: command.modification.mode, rights }));
    await ctx.deps.store.mailboxListPushed(); // a Murder backend's master knows it before the OK
  },
});

export const deleteAclCommand = defineCommand({
  name: 'DELETEACL',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const { entry } = aclTarget(ctx, command.mailbox, 'a');
    const identifier = storedIdentifier(ctx, entry, command.identifier);
    ctx.deps.store.setAcl(entry.name, aclWithout(entry.acl, identifier));
    await ctx.deps.store.mailboxListPushed();
  },
});
