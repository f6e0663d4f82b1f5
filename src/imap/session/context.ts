/**
 * The CommandContext a session hands each command: one small object per command whose methods live
 * on the prototype. (An object literal of some 30 closures per command cost about 3 KiB, kept for as
 * long as the command runs: an IDLE command lasts as long as the connection.)
 */
import type { AppendFacts } from '../../common/index.js';
import type { ConnectionContext, Identity } from '../../auth/index.js';
import type { ImapDeps } from '../deps.js';
import type { MailboxEntry } from '../../store/index.js';
import { CommandFailure, type CommandContext } from '../commands/types.js';
import type { MailboxUpdate } from './updates.js';
import type { NotifyState } from './notify-state.js';
import type { SelectedMailbox } from './selected.js';
import type { SessionState } from './state.js';
import type { ResponseWriter } from './writer.js';
import type { ListMetadataOption } from '../wire/parse/types.js';

/** What the session offers its commands' contexts (implemented by Session). */
export interface ContextHost {
  readonly id: string;
  readonly deps: ImapDeps;
  readonly out: ResponseWriter;
  readonly enabled: ReadonlySet<string>;
  readonly notifications: NotifyState;
  readonly state: SessionState;
  /** Record `names` as enabled (ENABLE); returns those not enabled before. */
  enable(names: readonly string[]): string[];
  readonly tls: boolean;
  readonly connection: ConnectionContext;
  readonly isClosed: boolean;
  sendUpdates(updates: readonly MailboxUpdate[]): void;
  capabilities(): string[];
  /** `facts`: an IDLE session was woken by an append that told what it did (SelectedMailbox.pushAppend). */
  syncSelected(allowExpunge: boolean, inReply?: boolean, facts?: AppendFacts): Promise<void>;
  becomeAuthenticated(identity: Identity): Promise<void>;
  becomeUnauthenticated(): void;
  setSelected(selected: SelectedMailbox | null): void;
  /** `+ text`, then the client's next line (null: connection closed). */
  continuation(text: string): Promise<string | null>;
  /** IDLE `tag` waits for its DONE line, calling onWake at once (the first sync) and then on each change (the tag goes with a move home). */
  idle(tag: string, onWake: (facts?: AppendFacts) => Promise<void>): Promise<string | null>;
  /** Upgrade to TLS once the current command's tagged answer is out. */
  requestTls(): void;
  /** The connection is compressed (RFC 4978). */
  readonly compressed: boolean;
  /** Compress the connection once the current command's tagged OK is written. */
  requestCompression(): void;
  /** Close once the current command's tagged answer is out. */
  requestLogout(): void;
  /** Murder frontend: a remote mailbox's STATUS relayed from its backend (null: not remote). */
  relayStatus(entry: MailboxEntry, external: string, items: readonly string[]): Promise<void> | null;
  /** LIST-METADATA of a mailbox on another Murder backend: relayed as GETMETADATA (null: the mailbox is here). */
  relayMetadata(entry: MailboxEntry, external: string, option: ListMetadataOption): Promise<void> | null;
  provisionInbox(identity: Identity, server: string): Promise<void>;
}

export class SessionContext implements CommandContext {
  /** TLS as it was when the command started (STARTTLS switches only after its answer). */
  readonly tls: boolean;

  constructor(
    private readonly session: ContextHost,
    readonly tag: string,
  ) {
    this.tls = session.tls;
  }

  get deps(): ImapDeps {
    return this.session.deps;
  }

  get sessionId(): string {
    return this.session.id;
  }

  get out(): ResponseWriter {
    return this.session.out;
  }

  get enabled(): ReadonlySet<string> {
    return this.session.enabled;
  }

  get notifications(): NotifyState {
    return this.session.notifications;
  }

  get state(): SessionState {
    return this.session.state;
  }

  get connection(): ConnectionContext {
    return this.session.connection;
  }

  enable(names: readonly string[]): string[] {
    return this.session.enable(names);
  }

  sendUpdates(updates: readonly MailboxUpdate[]): void {
    this.session.sendUpdates(updates);
  }

  identity(): Identity {
    const state = this.session.state;
    if (state.kind !== 'authenticated' && state.kind !== 'selected') throw new Error('not authenticated');
    return state.identity;
  }

  selected(): SelectedMailbox {
    const state = this.session.state;
    if (state.kind !== 'selected') throw new Error('no mailbox selected');
    return state.selected;
  }

  toInternal(name: string): string {
    return this.session.deps.namespace.toInternal(name, this.identity());
  }

  toExternal(name: string): string | null {
    return this.session.deps.namespace.toExternal(name, this.identity());
  }

  authenticated(identity: Identity): Promise<void> {
    return this.session.becomeAuthenticated(identity);
  }

  unauthenticate(): void {
    this.session.becomeUnauthenticated();
  }

  select(selected: SelectedMailbox | null): void {
    this.session.setSelected(selected);
  }

  continuation(text: string): Promise<string | null> {
    return this.session.continuation(text);
  }

  idle(onWake: (facts?: AppendFacts) => Promise<void>): Promise<string | null> {
    return this.session.idle(this.tag, onWake);
  }

  capabilities(): string[] {
    return this.session.capabilities();
  }

  async startTls(): Promise<void> {
    if (!this.session.deps.tlsContext) throw new CommandFailure('NO', null, 'TLS is not configured');
    if (this.session.tls) throw new CommandFailure('BAD', null, 'Already using TLS');
    // TLS goes under the compression layer, never over it (RFC 4978 section 3); only UNAUTHENTICATE leads here.
    if (this.session.compressed) throw new CommandFailure('BAD', null, 'STARTTLS not allowed with COMPRESS active');
    this.session.requestTls();
  }

  logout(): void {
    this.session.requestLogout();
  }

  get compressed(): boolean {
    return this.session.compressed;
  }

  startCompression(): void {
    this.session.requestCompression();
  }

  syncSelected(allowExpunge: boolean, facts?: AppendFacts): Promise<void> {
    return this.session.syncSelected(allowExpunge, false, facts);
  }

  clientGone(): boolean {
    return this.session.isClosed;
  }

  relayStatus(entry: MailboxEntry, external: string, items: readonly string[]): Promise<void> | null {
    return this.session.relayStatus(entry, external, items);
  }

  relayMetadata(entry: MailboxEntry, external: string, option: ListMetadataOption): Promise<void> | null {
    return this.session.relayMetadata(entry, external, option);
  }

  provisionInbox(identity: Identity, server: string): Promise<void> {
    return this.session.provisionInbox(identity, server);
  }
}
