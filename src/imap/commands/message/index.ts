/** Commands on messages of the selected mailbox: FETCH STORE SEARCH COPY MOVE (and their UID forms). */
import type { CommandSpec } from '../types.js';
import { cancelUpdateCommand } from './context.js';
import { copyCommand, moveCommand } from './copy.js';
import { fetchCommand } from './fetch/command.js';
import { searchCommand } from './search/command.js';
import { sortCommand } from './sort.js';
import { storeCommand } from './store.js';
import { threadCommand } from './thread.js';

export const MESSAGE_COMMANDS: ReadonlyArray<CommandSpec<never>> = [
  fetchCommand, storeCommand, searchCommand, sortCommand, threadCommand, copyCommand, moveCommand, cancelUpdateCommand,
] as unknown as ReadonlyArray<CommandSpec<never>>;
