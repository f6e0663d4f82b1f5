/**
 * LISTRIGHTS (RFC 4314 section 3.4) for a holder of the `a` right, and MYRIGHTS (section 3.5) for
 * anyone who may see the mailbox (`l` or `r`: without them it answers as a missing mailbox). LISTRIGHTS names what an identifier always has there (the
 * owner's implicit rights on its own hierarchy, nothing for others) and each other right on its own.
 */
import { OWNER_MINIMUM_RIGHTS, Rights } from '../../../acl/index.js';
import { ownerOf } from '../../../names/index.js';
import { AUTHENTICATED } from '../../session/state.js';
import { listRightsResponse, myRightsResponse } from '../../wire/serialize/acl.js';
import { always, defineCommand } from '../types.js';
import { aclTarget, storedIdentifier } from './access.js';

/** Every right, one letter each, in Cyrus's order. */
const EACH_RIGHT = 'lrswipkxtean';

export const listRightsCommand = defineCommand({
  name: 'LISTRIGHTS',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const { entry } = aclTarget(ctx, command.mailbox, 'a');
    const identifier = storedIdentifier(ctx, entry, command.identifier);
    const required = ownerOf(entry.name) === identifier ? ctx.deps.rights.policy.implicitOwnerRights.union(OWNER_MINIMUM_RIGHTS) : Rights.NONE;
    const optional = [...EACH_RIGHT].filter((letter) => !required.has(letter));
    ctx.out.send(listRightsResponse(command.mailbox, command.identifier, required.format(), optional));
  },
});

export const myRightsCommand = defineCommand({
  name: 'MYRIGHTS',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const { rights } = aclTarget(ctx, command.mailbox, '');
    ctx.out.send(myRightsResponse(command.mailbox, rights.format()));
  },
});
