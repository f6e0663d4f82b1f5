/** The ACL commands of RFC 4314: GETACL SETACL DELETEACL LISTRIGHTS MYRIGHTS. */
import type { CommandSpec } from '../types.js';
import { getAclCommand } from './getacl.js';
import { listRightsCommand, myRightsCommand } from './rights.js';
import { deleteAclCommand, setAclCommand } from './setacl.js';

export const ACL_COMMANDS: ReadonlyArray<CommandSpec<never>> = [
  getAclCommand, setAclCommand, deleteAclCommand, listRightsCommand, myRightsCommand,
] as unknown as ReadonlyArray<CommandSpec<never>>;
