/** Every LMTP command, by verb. Each handler checks the session state it needs (see session/state.ts). */
import type { Verb } from '../wire/commands.js';
import { authCommand, starttlsCommand } from './auth.js';
import { bdatCommand, dataCommand } from './data.js';
import { lhloCommand } from './lhlo.js';
import { mailCommand } from './mail.js';
import { rcptCommand } from './rcpt.js';
import { helpCommand, noopCommand, quitCommand, rsetCommand, vrfyCommand } from './simple.js';
import type { CommandSpec } from './types.js';

export const REGISTRY: Readonly<Record<Verb, CommandSpec>> = {
  LHLO: lhloCommand,
  MAIL: mailCommand,
  RCPT: rcptCommand,
  DATA: dataCommand,
  BDAT: bdatCommand,
  RSET: rsetCommand,
  NOOP: noopCommand,
  VRFY: vrfyCommand,
  HELP: helpCommand,
  QUIT: quitCommand,
  AUTH: authCommand,
  STARTTLS: starttlsCommand,
} as Record<Verb, CommandSpec>;
