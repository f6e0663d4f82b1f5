/** GETACL (RFC 4314 section 3.3): the mailbox's ACL, for a holder of the `a` right. */
import { parseAcl } from '../../../acl/index.js';
import { AUTHENTICATED } from '../../session/state.js';
import { aclResponse } from '../../wire/serialize/acl.js';
import { always, defineCommand } from '../types.js';
import { aclTarget } from './access.js';

export const getAclCommand = defineCommand({
  name: 'GETACL',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const { entry } = aclTarget(ctx, command.mailbox, 'a');
    ctx.out.send(aclResponse(command.mailbox, parseAcl(entry.acl)));
  },
});
