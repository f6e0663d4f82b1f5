/** Every mupdate command by name (RFC 3656 section 4), with its states and arity. */
import { authenticateCommand } from './authenticate.js';
import { activateCommand, deleteCommand, reserveCommand } from './changes.js';
import { findCommand, listCommand, updateCommand } from './lookup.js';
import { logoutCommand, noopCommand, starttlsCommand } from './simple.js';
import type { MupdateCommand } from './types.js';

const COMMANDS: readonly MupdateCommand[] = [
  authenticateCommand, starttlsCommand, logoutCommand, noopCommand, findCommand, listCommand, updateCommand,
  activateCommand, reserveCommand, deleteCommand,
];

export const REGISTRY: ReadonlyMap<string, MupdateCommand> = new Map(COMMANDS.map((c) => [c.name, c]));
