/**
 * What a mupdate command is: a name, the states it runs in, how many string arguments it takes,
 * and a handler that writes its own answer. Handlers throw MupdateAnswer for a NO / BAD with text;
 * the session checks the state and the arity first, as Cyrus does.
 */
import type { ConnectionContext, Identity } from '../../auth/index.js';
import type { Logger } from '../../common/index.js';
import type { MupdateDeps } from '../deps.js';
import type { Word } from '../wire/reader.js';

export type MupdateState = 'unauthenticated' | 'authenticated' | 'streaming';

/** A NO or BAD answer with its text. */
export class MupdateAnswer extends Error {
  constructor(readonly kind: 'NO' | 'BAD', message: string) {
    super(message);
  }
}

/** A stream of the records on some servers: `names` are those the client holds (sent and not deleted). */
export interface PartialStream {
  servers: ReadonlySet<string>;
  names: Set<string>;
}

export interface CommandContext {
  readonly deps: MupdateDeps;
  readonly log: Logger;
  readonly connection: ConnectionContext;
  readonly tls: boolean;
  readonly state: MupdateState;
  /** Queue raw protocol text (whole lines, CRLF included). */
  write(text: string): void;
  flush(): Promise<void>;
  /** The client's next line in a SASL exchange; null when the connection closed. */
  readLine(): Promise<Word[] | { error: string } | null>;
  /** AUTHENTICATE succeeded (the caller checked the identity may use mupdate). */
  loggedIn(identity: Identity): void;
  /** UPDATE: from now on changes to the list go out with `tag` (only those on `partial.servers` when given). */
  startStream(tag: string, partial: PartialStream | null): void;
  /** STARTTLS: upgrade once the OK is out. */
  startTls(): void;
  /** Close the connection once the current answer is out. */
  closeAfterReply(reason: string): void;
}

export interface MupdateCommand {
  readonly name: string;
  readonly states: readonly MupdateState[];
  readonly minArgs: number;
  readonly maxArgs: number;
  handle(ctx: CommandContext, tag: string, args: string[]): Promise<void> | void;
}
