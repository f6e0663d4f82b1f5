/** What a command handler sees of its session, and how handlers are declared. */
import type { BackendPool } from '../proxy/pool.js';
import type { ConnectionContext, Identity } from '../../auth/index.js';
import type { Logger } from '../../common/index.js';
import type { LmtpDeps } from '../deps.js';
import type { SessionState } from '../session/state.js';
import type { LmtpCommand, Verb } from '../wire/commands.js';
import type { Reply } from '../wire/replies.js';
import type { DataResult } from '../wire/data.js';

export interface CommandContext {
  readonly deps: LmtpDeps;
  readonly log: Logger;
  readonly sessionId: string;
  readonly connection: ConnectionContext;
  /** The LHLO host name of this session (for the Received line). */
  readonly lhloHost: string | null;
  /** UNIX socket, or `lmtpd -a` on TCP: may deliver without AUTH. */
  readonly trusted: boolean;
  /** The identity proven by AUTH on this connection, if any. */
  readonly authenticated: Identity | null;
  readonly state: SessionState;
  /** Murder frontend: this session's backend connections kept between transactions. */
  readonly backendPool: BackendPool;
  setState(state: SessionState): void;
  setLhloHost(host: string): void;
  setAuthenticated(identity: Identity): void;
  /** Queue a reply (sent in order; flushed when the client has nothing more pipelined). */
  reply(reply: Reply): void;
  /** After the 354: the bytes that follow are the message, up to <CRLF>.<CRLF>; then `onMessage`. */
  expectData(onMessage: (data: DataResult) => Promise<void>): void;
  /** After BDAT: the next `size` bytes are a chunk, given to `onChunk` (null when not `keep`: read and dropped). */
  expectChunk(size: number, keep: boolean, onChunk: (bytes: Buffer | null) => Promise<void> | void): void;
  /** AUTH: send a 334 challenge and wait for the client's line (null: connection closed). */
  challenge(data: string): Promise<string | null>;
  /** STARTTLS: after the 220 is sent, the connection becomes TLS and the session starts over. */
  startTls(): void;
  /** QUIT and fatal errors: send what is queued, then close. */
  close(): void;
}

type CommandOf<V extends Verb> = Extract<LmtpCommand, { verb: V }>;

export interface CommandSpec<V extends Verb = Verb> {
  readonly verb: V;
  handle(ctx: CommandContext, command: CommandOf<V>): void | Promise<void>;
}

export function defineCommand<V extends Verb>(spec: CommandSpec<V>): CommandSpec<V> {
  return spec;
}
