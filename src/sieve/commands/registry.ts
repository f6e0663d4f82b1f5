/** Every ManageSieve command by name, with its allowed states (checked by the session before parsing). */
import { authenticateCommand } from './authenticate.js';
import { capabilityCommand } from './capability.js';
import { havespaceCommand } from './havespace.js';
import { checkscriptCommand, putscriptCommand } from './putscript.js';
import { deletescriptCommand, getscriptCommand, listscriptsCommand, renamescriptCommand, setactiveCommand } from './scripts.js';
import { logoutCommand, noopCommand, unauthenticateCommand } from './simple.js';
import { starttlsCommand } from './starttls.js';
import type { SieveCommand } from './types.js';

const COMMANDS: ReadonlyArray<SieveCommand<never>> = [
  capabilityCommand, authenticateCommand, starttlsCommand, logoutCommand, noopCommand, unauthenticateCommand,
  havespaceCommand, putscriptCommand, checkscriptCommand, listscriptsCommand, setactiveCommand, getscriptCommand,
  deletescriptCommand, renamescriptCommand,
] as unknown as ReadonlyArray<SieveCommand<never>>;

export const REGISTRY: ReadonlyMap<string, SieveCommand<never>> = new Map(COMMANDS.map((c) => [c.name, c]));
