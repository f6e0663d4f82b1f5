/** Commands on mailboxes: CREATE DELETE RENAME SUBSCRIBE UNSUBSCRIBE LIST LSUB STATUS APPEND, and Cyrus's XFER. */
import type { CommandSpec } from '../types.js';
import { appendCommand } from './append.js';
import { createCommand } from './create.js';
import { deleteCommand } from './delete.js';
import { listCommand } from './list.js';
import { lsubCommand } from './lsub.js';
import { renameCommand } from './rename.js';
import { statusCommand } from './status.js';
import { subscribeCommand, unsubscribeCommand } from './subscribe.js';
import { xferCommand } from './xfer.js';

export const MAILBOX_COMMANDS: ReadonlyArray<CommandSpec<never>> = [
  createCommand, deleteCommand, renameCommand, subscribeCommand, unsubscribeCommand, listCommand, lsubCommand, statusCommand, appendCommand, xferCommand,
] as unknown as ReadonlyArray<CommandSpec<never>>;
