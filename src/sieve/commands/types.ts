/**
 * What a ManageSieve command is: a name, the states it is allowed in, a parser from the command's
 * tokens to typed arguments, and a handler that writes its own answer. Handlers throw SieveError
 * for protocol answers and MailError for domain failures; the session maps both in one place.
 */
import type { ConnectionContext, Identity } from '../../auth/index.js';
import type { Logger } from '../../common/index.js';
import type { SieveDeps } from '../deps.js';
import type { CommandState, SessionState } from '../session/state.js';
import type { ResponseWriter } from '../session/writer.js';
import type { Token } from '../wire/command-reader.js';

export interface CommandContext {
  readonly deps: SieveDeps;
  readonly out: ResponseWriter;
  readonly log: Logger;
  readonly connection: ConnectionContext;
  readonly tls: boolean;
  readonly state: SessionState;
  /** The userid whose scripts the authenticated session works on. */
  owner(): string;
  /** The capability lines for this connection now. */
  capabilities(): string[];
  /** The next command's tokens from the client (SASL responses); null when the connection closed. */
  readResponse(): Promise<Token[] | { error: string } | null>;
  /** AUTHENTICATE succeeded: enter the authenticated state (or throw why not). */
  loggedIn(identity: Identity): Promise<void>;
  /** UNAUTHENTICATE: back to the unauthenticated state. */
  loggedOut(): void;
  /** STARTTLS: upgrade once the OK is out, then send the capabilities again. */
  startTls(): void;
  /** Close the connection once the current answer is out (LOGOUT, too many failed logins). */
  closeAfterReply(reason: string): void;
}

export interface SieveCommand<A> {
  readonly name: string;
  readonly states: readonly CommandState[];
  parse(tokens: readonly Token[]): A;
  handle(ctx: CommandContext, args: A): Promise<void> | void;
}

export function defineCommand<A>(command: SieveCommand<A>): SieveCommand<A> {
  return command;
}
