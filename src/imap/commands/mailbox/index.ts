/** Commands on mailboxes: CREATE DELETE RENAME SUBSCRIBE UNSUBSCRIBE LIST LSUB STATUS APPEND. */
import type { CommandSpec } from '../types.js';

export const MAILBOX_COMMANDS: ReadonlyArray<CommandSpec<never>> = [];
