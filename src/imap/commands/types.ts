/**
 * What a command handler is given and returns. One file per command under src/imap/commands/,
 * registered in registry.ts with the states it is allowed in and its flags (the session's gate
 * applies them before the handler runs); `UID X` and `X` share a handler (the parsed command
 * carries `byUid`). Handlers write output only through the serializers of src/imap/wire/serialize.
 */
import type { ConnectionContext, Identity } from '../../auth/index.js';
import type { AppendFacts } from '../../common/index.js';
import type { Command, CommandName, ListMetadataOption } from '../wire/parse/types.js';
import type { ImapDeps } from '../deps.js';
import type { MailboxEntry } from '../../store/index.js';
import type { SelectedMailbox } from '../session/selected.js';
import type { SessionState, StateKind } from '../session/state.js';
import type { MailboxUpdate } from '../session/updates.js';
import type { NotifyState } from '../session/notify-state.js';
import type { ResponseWriter } from '../session/writer.js';

/** The parsed command whose name (or one of whose names, as SELECT/EXAMINE) is N. */
export type CommandOf<N extends CommandName> = Command extends infer C ? (C extends { name: infer M } ? (N extends M ? C : never) : never) : never;

/** A tagged completion; a handler that returns nothing completes with `OK <name> completed`. */
export interface CommandResult {
  status: 'OK' | 'NO' | 'BAD';
  /** Response code without brackets, e.g. "READ-WRITE", "APPENDUID 38505 3955". */
  code?: string | null;
  text?: string;
}

/** A failure a handler throws on purpose (the session answers with it as is). */
export class CommandFailure extends Error {
  constructor(
    readonly status: 'NO' | 'BAD',
    readonly code: string | null,
    text: string,
  ) {
    super(text);
  }
}

export interface CommandContext {
  readonly tag: string;
  readonly deps: ImapDeps;
  /** The session's id, for logs. */
  readonly sessionId: string;
  readonly out: ResponseWriter;
  /** Extensions the client turned on with ENABLE (RFC 5161): CONDSTORE, QRESYNC, UTF8=ACCEPT. */
  readonly enabled: ReadonlySet<string>;
  /** NOTIFY (RFC 5465) settings and what the client was told since (one object per session). */
  readonly notifications: NotifyState;
  /** Record `capabilities` as enabled; returns those not enabled before. */
  enable(capabilities: readonly string[]): string[];
  /** Tell the client about its selected mailbox (rendered as the session's enabled extensions need). */
  sendUpdates(updates: readonly MailboxUpdate[]): void;
  readonly state: SessionState;
  readonly tls: boolean;
  /** Who is connected, as authentication sees it (one object per connection). */
  readonly connection: ConnectionContext;
  /** The logged-in identity; throws when not authenticated (the registry prevents that). */
  identity(): Identity;
  /** The selected mailbox; throws when none is selected (the registry prevents that). */
  selected(): SelectedMailbox;
  /** Client name → internal name, for this identity (MailError BadName when invalid). */
  toInternal(externalName: string): string;
  /** Internal name → client name, or null when this identity may not see it. */
  toExternal(internalName: string): string | null;
  /** Enter the authenticated state (LOGIN, AUTHENTICATE). */
  authenticated(identity: Identity): Promise<void>;
  /** Back to the not-authenticated state as a new connection would be, TLS kept (UNAUTHENTICATE, RFC 8437). */
  unauthenticate(): void;
  /** Enter the selected state (SELECT, EXAMINE) or leave it (null: CLOSE, UNSELECT). */
  select(selected: SelectedMailbox | null): void;
  /** Send `+ text` and wait for the client's next line (AUTHENTICATE, IDLE). Null when the connection closed. */
  continuation(text: string): Promise<string | null>;
  /**
   * Wait for the client's next line while idling, waking `onWake` once at once (the first sync)
   * and then whenever the mailbox changes (with what an append did, when the change was one that
   * told it); the wakes run one after another, none lost.
   */
  idle(onWake: (facts?: AppendFacts) => Promise<void>): Promise<string | null>;
  /** The capabilities to advertise now. */
  capabilities(): string[];
  /** Replace the transport with TLS (STARTTLS); throws when TLS is not configured. */
  startTls(): Promise<void>;
  /** The connection is compressed (COMPRESS=DEFLATE, RFC 4978). */
  readonly compressed: boolean;
  /** Compress the connection once the current command's tagged OK is written (COMPRESS). */
  startCompression(): void;
  /** End the session after this command (LOGOUT). */
  logout(): void;
  /** Send pending untagged updates for the selected mailbox (`facts`: an IDLE wake by an append that told them). */
  syncSelected(allowExpunge: boolean, facts?: AppendFacts): Promise<void>;
  /** True once the connection has closed: long work (SEARCH) stops, nobody waits for it. */
  clientGone(): boolean;
  /**
   * Murder frontend: the STATUS of a mailbox that lives on another server, asked of its backend and
   * relayed to the client (LIST-STATUS); null when `entry` is not remote (the STATUS is made here).
   */
  relayStatus(entry: MailboxEntry, external: string, items: readonly string[]): Promise<void> | null;
  /** LIST-METADATA of a mailbox on another Murder backend: relayed as GETMETADATA (null: the mailbox is here). */
  relayMetadata(entry: MailboxEntry, external: string, option: ListMetadataOption): Promise<void> | null;
  /** Murder frontend: a new user's INBOX made on `server` by a login there (see ImapProxy.provisionInbox). */
  provisionInbox(identity: Identity, server: string): Promise<void>;
}

export interface CommandSpec<N extends CommandName = CommandName> {
  name: N;
  /** States the command is valid in; elsewhere it gets `BAD` without running. */
  states: readonly StateKind[];
  /** The command changes the selected mailbox: on a read-only selection it gets `NO [READ-ONLY]` without running. */
  needsWrite?: boolean;
  /**
   * Whether EXPUNGE responses may be sent around this command (default: yes). False for FETCH,
   * STORE and SEARCH by sequence number (RFC 3501 section 7.4.1), which use sequence numbers; their UID forms may.
   */
  allowsExpunge?(command: CommandOf<N>): boolean;
  /** A handler that needs no wait may answer without a promise (NOOP: nothing to allocate). */
  handle(ctx: CommandContext, command: CommandOf<N>): Promise<CommandResult | void> | CommandResult | void;
}

/** Define a command with the right types (helps inference in the registry). */
export function defineCommand<N extends CommandName>(spec: CommandSpec<N>): CommandSpec<N> {
  return spec;
}

export const always = (): boolean => true;
export const onlyByUid = (command: { byUid: boolean }): boolean => command.byUid;
