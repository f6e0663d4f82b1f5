/**
 * What a POP3 command is: a name, the states it is allowed in, a parser from the argument text to
 * typed arguments, and a handler that writes its own answer (one line, or a multi-line response).
 * Handlers throw Pop3Error for protocol answers and MailError for domain failures; the session
 * maps both in one place (error-map.ts).
 */
import type { ConnectionContext, Identity } from '../../auth/index.js';
import type { Logger } from '../../common/index.js';
import type { Pop3Deps } from '../deps.js';
import type { Maildrop } from '../session/maildrop.js';
import type { CommandState, SessionState } from '../session/state.js';
import type { ResponseWriter } from '../session/writer.js';

export interface CommandContext {
  readonly deps: Pop3Deps;
  readonly out: ResponseWriter;
  readonly sessionId: string;
  readonly log: Logger;
  readonly connection: ConnectionContext;
  readonly tls: boolean;
  readonly state: SessionState;
  /** The maildrop of the TRANSACTION state (commands allowed only there). */
  maildrop(): Maildrop;
  /** USER remembered its name (or PASS/AUTH forgot it). */
  setPendingUser(user: { login: string; subfolder: string | null } | null): void;
  /** A login succeeded: open the maildrop and enter TRANSACTION, or answer why not. */
  loggedIn(identity: Identity, subfolder: string | null): Promise<void>;
  /** The next line from the client (SASL responses); null when the connection closed. */
  readLine(): Promise<string | null>;
  /** STLS: upgrade the connection once the +OK is out. */
  startTls(): void;
  /** Close the connection once the current answer is out (QUIT, too many failed logins). */
  closeAfterReply(): void;
  /** Close the connection at once, without an answer (a failure in the middle of a multi-line response). */
  dropConnection(reason: string): void;
  /** QUIT in TRANSACTION: enter UPDATE. */
  enterUpdate(): void;
}

export interface Pop3Command<A> {
  readonly name: string;
  readonly states: readonly CommandState[];
  parse(argument: string | null): A;
  handle(ctx: CommandContext, args: A): Promise<void> | void;
}

/** Keeps the argument type of each command checked while the registry holds them side by side. */
export function defineCommand<A>(command: Pop3Command<A>): Pop3Command<A> {
  return command;
}
