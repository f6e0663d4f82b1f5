/** Commands on messages of the selected mailbox: FETCH STORE SEARCH COPY MOVE (and their UID forms). */
import type { CommandSpec } from '../types.js';

export const MESSAGE_COMMANDS: ReadonlyArray<CommandSpec<never>> = [];
