/**
 * The command table: every command the server understands, with the states it is allowed in.
 * Session commands live here; mailbox commands (CREATE, LIST, APPEND...) and message commands
 * (FETCH, STORE, SEARCH, COPY, MOVE) are grouped in their own index files.
 */
import type { CommandName } from '../wire/parse/types.js';
import type { CommandSpec } from './types.js';
import { capabilityCommand } from './capability.js';
import { noopCommand, checkCommand } from './noop.js';
import { logoutCommand } from './logout.js';
import { starttlsCommand } from './starttls.js';
import { loginCommand } from './login.js';
import { authenticateCommand } from './authenticate.js';
import { enableCommand } from './enable.js';
import { idCommand } from './id.js';
import { namespaceCommand } from './namespace.js';
import { selectCommand } from './select.js';
import { closeCommand, unselectCommand } from './close.js';
import { expungeCommand, uidExpungeCommand } from './expunge.js';
import { idleCommand } from './idle.js';
import { MAILBOX_COMMANDS } from './mailbox/index.js';
import { MESSAGE_COMMANDS } from './message/index.js';

const ALL: ReadonlyArray<CommandSpec<never>> = [
  capabilityCommand, noopCommand, checkCommand, logoutCommand, starttlsCommand, loginCommand, authenticateCommand,
  enableCommand, idCommand, namespaceCommand, selectCommand, closeCommand, unselectCommand, expungeCommand,
  uidExpungeCommand, idleCommand, ...MAILBOX_COMMANDS, ...MESSAGE_COMMANDS,
] as unknown as ReadonlyArray<CommandSpec<never>>;

export const REGISTRY: ReadonlyMap<CommandName, CommandSpec<never>> = (() => {
  const map = new Map<CommandName, CommandSpec<never>>();
  for (const spec of ALL) {
    const names = spec.name === 'SELECT' ? (['SELECT', 'EXAMINE'] as const) : [spec.name];
    for (const name of names) {
      if (map.has(name)) throw new Error(`command ${name} registered twice`);
      map.set(name, spec);
    }
  }
  return map;
})();
