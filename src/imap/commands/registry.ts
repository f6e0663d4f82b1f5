/**
 * The command table: every command the server understands, with the states it is allowed in and
 * its flags (needsWrite, allowsExpunge), and `admit`, the one gate the session passes every command
 * through before its handler runs. Session commands live here; mailbox commands (CREATE, LIST,
 * APPEND...) and message commands (FETCH, STORE, SEARCH, COPY, MOVE) are grouped in their own index files.
 */
import type { SessionState } from '../session/state.js';
import type { Command, CommandName } from '../wire/parse/types.js';
import { CommandFailure, type CommandSpec } from './types.js';
import { capabilityCommand } from './capability.js';
import { noopCommand, checkCommand } from './noop.js';
import { logoutCommand } from './logout.js';
import { starttlsCommand } from './starttls.js';
import { compressCommand } from './compress.js';
import { loginCommand } from './login.js';
import { authenticateCommand } from './authenticate.js';
import { enableCommand } from './enable.js';
import { idCommand } from './id.js';
import { namespaceCommand } from './namespace.js';
import { selectCommand } from './select.js';
import { closeCommand, unselectCommand } from './close.js';
import { expungeCommand, uidExpungeCommand } from './expunge.js';
import { idleCommand } from './idle.js';
import { notifyCommand } from './notify.js';
import { unauthenticateCommand } from './unauthenticate.js';
import { MAILBOX_COMMANDS } from './mailbox/index.js';
import { MESSAGE_COMMANDS } from './message/index.js';
import { ACL_COMMANDS } from './acl/index.js';
import { QUOTA_COMMANDS } from './quota/index.js';
import { URLAUTH_COMMANDS } from './urlauth/index.js';
import { METADATA_COMMANDS } from './metadata/index.js';
import { xferRecvCommand } from './xfer-recv.js';

const ALL: ReadonlyArray<CommandSpec<never>> = [
  capabilityCommand, noopCommand, checkCommand, logoutCommand, starttlsCommand, loginCommand, authenticateCommand,
  enableCommand, idCommand, namespaceCommand, selectCommand, closeCommand, unselectCommand, expungeCommand,
  uidExpungeCommand, idleCommand, notifyCommand, unauthenticateCommand, compressCommand, ...MAILBOX_COMMANDS, ...MESSAGE_COMMANDS, ...ACL_COMMANDS, ...QUOTA_COMMANDS,
  ...URLAUTH_COMMANDS, ...METADATA_COMMANDS, xferRecvCommand,
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

/**
 * The gate before any handler: the command's spec, or a failure when the command is unknown, not
 * allowed in this state, or would change a read-only selection.
 */
export function admit(command: Command, state: SessionState): CommandSpec<never> {
  const spec = REGISTRY.get(command.name);
  if (!spec) throw new CommandFailure('BAD', null, 'Unrecognized command');
  if (!spec.states.includes(state.kind)) {
    throw new CommandFailure('BAD', null, state.kind === 'notAuthenticated' ? 'Please login first' : `${command.name} not allowed now`);
  }
  if (spec.needsWrite && state.kind === 'selected' && state.selected.readOnly) throw new CommandFailure('NO', 'READ-ONLY', 'Mailbox is read-only');
  return spec;
}
