/** Every POP3 command by name, with its allowed states (checked by the session before parsing). */
import { authCommand } from './auth.js';
import { capaCommand } from './capa.js';
import { listCommand, statCommand, uidlCommand } from './listings.js';
import { deleCommand, noopCommand, rsetCommand } from './marks.js';
import { quitCommand } from './quit.js';
import { retrCommand, topCommand } from './retrieve.js';
import { stlsCommand } from './stls.js';
import type { Pop3Command } from './types.js';
import { passCommand, userCommand } from './user-pass.js';

const COMMANDS: ReadonlyArray<Pop3Command<never>> = [
  capaCommand, userCommand, passCommand, authCommand, stlsCommand, quitCommand,
  statCommand, listCommand, uidlCommand, retrCommand, topCommand, deleCommand, rsetCommand, noopCommand,
] as unknown as ReadonlyArray<Pop3Command<never>>;

export const REGISTRY: ReadonlyMap<string, Pop3Command<never>> = new Map(COMMANDS.map((c) => [c.name, c]));
