/**
 * The IMAP side of a Murder frontend (Cyrus's proxyd): a session whose user works on a mailbox the
 * mailbox list says lives on another server (a remote entry of the mirror) has the command relayed
 * to that backend over a connection of its own (one per backend, opened when first needed, closed
 * with the session). A remote SELECT/EXAMINE makes every later command of the selected state go to
 * that backend until the client leaves the mailbox; commands naming a remote mailbox (STATUS,
 * APPEND, the ACL and quota commands, CREATE, DELETE, RENAME, ...) are relayed one at a time, and the
 * mirror is updated after those that change the mailbox list, before the client hears OK.
 *
 * `route` decides: null when the command runs here as on any server.
 */
import { isRemoteEntry, isMurderFrontend, backendAddress, murderSettings, parseLocation, proxyLogin } from '../../murder/index.js';
import { isUserInbox } from '../../names/index.js';
import type { MailboxEntry } from '../../store/index.js';
import type { Identity } from '../../auth/index.js';
import type { Logger } from '../../common/index.js';
import type { ImapDeps } from '../deps.js';
import type { Command, ListMetadataOption } from '../wire/parse/types.js';
import type { CommandPart, RawCommand } from '../wire/readerTypes.js';
import type { SessionState } from '../session/state.js';
import type { ResponseWriter } from '../session/writer.js';
import { CommandFailure, type CommandResult } from '../commands/types.js';
import { untaggedStatus } from '../wire/serialize/response.js';
import { BackendConnection, BackendUnavailable, type CommandPiece, type CommandHandlers, type TaggedResponse } from './backend.js';
import { afterCreate, afterDelete, afterRename, afterXfer, quoted, refreshAcl, refreshSubscriptions } from './mirror.js';
import { chooseBackend, type Placement } from './placement.js';
import { copyAcross, type CopyRelay } from './copy.js';

/** What the proxy needs of its session (implemented by Session). */
export interface ProxyHost {
  readonly deps: ImapDeps;
  readonly log: Logger;
  readonly out: ResponseWriter;
  readonly state: SessionState;
  readonly enabled: ReadonlySet<string>;
  /** Leave a local selection (a remote SELECT follows). */
  setSelected(selected: null): void;
  /** `+ text`, then the client's next line (null: connection closed). */
  continuation(text: string): Promise<string | null>;
  /** Say BYE and close (the backend of the selected mailbox went away). */
  bye(text: string): Promise<void>;
  /** Run `command` here as any server would (after the proxy prepared something for it). */
  runLocally(command: Command, tag: string): Promise<CommandResult | void> | CommandResult | void;
}

/** Commands of the selected state: relayed while a remote mailbox is selected. */
const SELECTED_COMMANDS = new Set<string>([
  'FETCH', 'STORE', 'SEARCH', 'SORT', 'THREAD', 'EXPUNGE', 'UID EXPUNGE', 'IDLE', 'NOOP', 'CHECK', 'CANCELUPDATE',
]);
/** Commands naming one mailbox, relayed to its backend when it is remote. */
const ONE_MAILBOX_COMMANDS = new Set<string>([
  'STATUS', 'APPEND', 'GETACL', 'MYRIGHTS', 'DELETEACL', 'LISTRIGHTS', 'SETACL', 'GETQUOTAROOT', 'DELETE', 'GETMETADATA', 'SETMETADATA',
]);
/** Extensions whose ENABLE the backend must hear too (they change its responses). */
const RELAYED_EXTENSIONS = ['CONDSTORE', 'QRESYNC', 'UTF8=ACCEPT'];

interface RemoteSelection {
  server: string;
  mailbox: string;
  readOnly: boolean;
}

export class ImapProxy {
  private readonly connections = new Map<string, Promise<BackendConnection>>();
  /** The remote mailbox selected (the session's own state is then `authenticated`). */
  private selection: RemoteSelection | null = null;
  private closed = false;

  constructor(private readonly host: ProxyHost) {}

  /** Whether a remote mailbox is selected. */
  get selectedRemote(): boolean {
    return this.selection !== null;
  }

  /** The command's relay to a backend, or null when it runs here. */
  route(command: Command, raw: RawCommand): Promise<CommandResult> | null {
    const state = this.host.state;
    if (state.kind !== 'authenticated' && state.kind !== 'selected') return null;
    const identity = state.identity;
    const selection = this.selection;
    const name = command.name;
    if (name === 'SELECT' || name === 'EXAMINE') {
      const entry = this.remoteEntry(command.mailbox, identity);
      if (entry === null) {
        // Selecting a local mailbox: the backend's selection ends there (no answer waited for).
        if (selection !== null) {
          this.closedNotice();
          void this.leaveRemote();
        }
        return null;
      }
      return this.select(raw, entry.server!, command.mailbox);
    }
    if (name === 'CLOSE' || name === 'UNSELECT') {
      if (selection === null) return null;
      return this.relay(selection.server, raw, { flushEach: false }).finally(() => {
        this.selection = null;
      });
    }
    if (name === 'COPY' || name === 'MOVE') return this.copy(command, raw, identity);
    if (SELECTED_COMMANDS.has(name)) {
      if (selection === null) return null;
      return this.relay(selection.server, raw, { flushEach: name === 'IDLE', idle: name === 'IDLE' });
    }
    if (ONE_MAILBOX_COMMANDS.has(name)) {
      const mailbox = (command as { mailbox: string }).mailbox;
      if ((name === 'GETMETADATA' || name === 'SETMETADATA') && mailbox === '') return null;
      const entry = this.remoteEntry(mailbox, identity);
      if (entry === null) return null;
      return this.oneShot(entry, raw, command);
    }
    if (name === 'GETQUOTA' || name === 'SETQUOTA') {
      // A quota root is named as its mailbox is: the backend of that mailbox keeps it.
      const entry = this.remoteEntry(command.root, identity);
      return entry === null ? null : this.relay(entry.server!, raw, {});
    }
    if (name === 'XFER') return this.xfer(command, raw, identity);
    if (name === 'CREATE') return this.create(command.mailbox, command.partition, raw, identity);
    if (name === 'RENAME') return this.rename(command.from, command.to, raw, identity);
    if (name === 'LIST' && (command.selectOptions.includes('SUBSCRIBED') || command.returnOptions.subscribed)) {
      // Subscriptions live on the INBOX's backend: the frontend's copy is brought up to date first.
      const inbox = this.inboxEntry(identity);
      if (inbox === null) return null;
      return refreshSubscriptions(this, this.host.deps, identity, inbox.server!).then(async () => (await this.host.runLocally(command, raw.tag)) ?? { status: 'OK', text: 'LIST completed' });
    }
    if (name === 'SUBSCRIBE' || name === 'UNSUBSCRIBE' || name === 'LSUB') {
      const inbox = this.inboxEntry(identity);
      if (inbox === null) return null;
      return this.relay(inbox.server!, raw, {});
    }
    return null;
  }

  /**
   * A frontend's first contact with a new user (the accounts layer chose `server` from serverlist):
   * the session logs in there for the user, whose own first contact makes the INBOX (and the
   * autocreate folders) and tells the mupdate master; the mirror gets the INBOX at once.
   */
  async provisionInbox(identity: Identity, server: string): Promise<void> {
    const answer = await this.quietly(server, 'NOOP');
    if (answer === null || answer.status !== 'OK') {
      this.host.log.warn({ user: identity.userid, backend: server }, 'autocreate of INBOX on a backend failed');
      return;
    }
    this.host.deps.accounts.mirrorNewInbox(identity, server);
    this.host.log.info({ user: identity.userid, backend: server }, 'INBOX placed on a backend');
  }

  /** LIST-STATUS of a remote mailbox: its backend's STATUS response relayed (null: not remote). */
  relayStatus(entry: MailboxEntry, external: string, items: readonly string[]): Promise<void> | null {
    if (!this.isRemote(entry)) return null;
    const out = this.host.out;
    return this.quietly(entry.server!, `STATUS ${quoted(external)} (${items.join(' ')})`, (bytes) => {
      if (/^\* STATUS /i.test(bytes.toString('latin1', 0, 9))) out.raw(bytes);
    }).then(() => undefined);
  }

  /**
   * LIST-METADATA (RFC 9590) of a mailbox on another backend: its METADATA line as that backend's
   * GETMETADATA answers it, under the same options (null: the mailbox is here). The frontend's own
   * annotations of a remote mailbox are not its metadata.
   */
  relayMetadata(entry: MailboxEntry, external: string, option: ListMetadataOption): Promise<void> | null {
    if (!this.isRemote(entry)) return null;
    const out = this.host.out;
    const options = [...(option.maxSize === null ? [] : [`MAXSIZE ${option.maxSize}`]), ...(option.depth === 0 ? [] : [`DEPTH ${option.depth}`])];
    const command = `GETMETADATA ${options.length > 0 ? `(${options.join(' ')}) ` : ''}${quoted(external)} (${option.entries.map(quoted).join(' ')})`;
    return this.quietly(entry.server!, command, (bytes) => {
      if (/^\* METADATA /i.test(bytes.toString('latin1', 0, 11))) out.raw(bytes);
    }).then(() => undefined);
  }

  /** The session ends: every backend connection is logged out. */
  close(): void {
    this.closed = true;
    this.selection = null;
    for (const pending of this.connections.values()) pending.then((c) => c.close(), () => undefined);
    this.connections.clear();
  }

  // ---- where mailboxes are ----

  private internal(external: string, identity: Identity): string | null {
    try {
      return this.host.deps.namespace.toInternal(external, identity);
    } catch {
      return null;
    }
  }

  private isRemote(entry: MailboxEntry | null): entry is MailboxEntry {
    return entry !== null && isRemoteEntry(entry, this.host.deps.serverName) && !!entry.server;
  }

  /** The remote entry an external name stands for, or null (local, unknown, or an invalid name: handled here). */
  private remoteEntry(external: string, identity: Identity): MailboxEntry | null {
    const internal = this.internal(external, identity);
    if (internal === null) return null;
    const entry = this.host.deps.store.lookup(internal);
    return this.isRemote(entry) ? entry : null;
  }

  /** The user's INBOX when it is remote (subscriptions live there, and new personal folders go there). */
  private inboxEntry(identity: Identity): MailboxEntry | null {
    const inbox = this.host.deps.namespace.inboxOf(identity);
    if (inbox === null) return null;
    const entry = this.host.deps.store.lookup(inbox);
    return this.isRemote(entry) ? entry : null;
  }

  // ---- backend connections ----

  private connection(server: string): Promise<BackendConnection> {
    let pending = this.connections.get(server);
    if (pending === undefined) {
      pending = this.open(server);
      this.connections.set(server, pending);
      pending.then(
        (c) => c.onClose(() => {
          if (this.connections.get(server) === pending) this.connections.delete(server);
          if (this.closed || this.selection?.server !== server) return;
          // As Cyrus's proxyd: the selected mailbox's backend is gone, so is the session.
          this.selection = null;
          this.host.log.warn({ backend: server }, 'lost the connection to the backend of the selected mailbox');
          void this.host.bye('Lost connection to the backend of the selected mailbox');
        }),
        () => this.connections.delete(server),
      );
    }
    return pending;
  }

  private async open(server: string): Promise<BackendConnection> {
    const deps = this.host.deps;
    const state = this.host.state;
    if (state.kind !== 'authenticated' && state.kind !== 'selected') throw new BackendUnavailable('not logged in');
    const login = proxyLogin(deps.config, server);
    if (login === null) throw new BackendUnavailable(`no proxy password for ${server} (proxy_password or ${server}_password)`);
    const settings = murderSettings(deps.config, deps.serverName);
    const address = backendAddress(settings, server, 'imap');
    const connection = await BackendConnection.open(server, address, { ...login, userid: state.identity.userid }, this.host.log, settings.linkTls);
    if (this.closed) {
      connection.close();
      throw new BackendUnavailable('session closed');
    }
    this.host.log.info({ backend: server, host: address.host, port: address.port, tls: connection.secure }, 'backend connection opened');
    return connection;
  }

  /**
   * Send `raw` (its own tag replaced) to `server`, relaying untagged responses as they come; the
   * tagged answer becomes the client's. A backend that cannot be reached answers NO [UNAVAILABLE].
   */
  private async relay(server: string, raw: RawCommand, opts: { flushEach?: boolean; idle?: boolean }): Promise<CommandResult> {
    let answer: TaggedResponse;
    try {
      const connection = await this.connection(server);
      await this.syncEnabled(connection);
      answer = await connection.command(piecesOf(raw), this.handlers(connection, opts));
    } catch (err) {
      if (!(err instanceof BackendUnavailable)) throw err;
      this.host.log.warn({ backend: server, err: err.message, command: raw.name }, 'backend unavailable');
      throw new CommandFailure('NO', 'UNAVAILABLE', `Server ${server} is unavailable`);
    }
    return { status: answer.status, code: answer.code, text: answer.text };
  }

  private handlers(connection: BackendConnection, opts: { flushEach?: boolean; idle?: boolean }): CommandHandlers {
    const out = this.host.out;
    const handlers: CommandHandlers = {
      onUntagged: (bytes) => {
        out.raw(bytes);
        const flushing = opts.flushEach ? out.flushNow() : out.maybeFlushNow();
        if (flushing !== null) {
          // The client reads slower than the backend sends: stop reading the backend meanwhile.
          connection.pause();
          void flushing.then(() => connection.resume());
        }
      },
    };
    if (opts.idle) {
      handlers.onContinuation = async (text) => {
        const line = await this.host.continuation(text);
        return line === null ? null : Buffer.from(`${line}\r\n`, 'utf8');
      };
    }
    return handlers;
  }

  /** A command for the proxy's own needs: untagged responses go to `onUntagged`, not to the client. */
  async quietly(server: string, text: string, onUntagged?: (bytes: Buffer) => void): Promise<TaggedResponse | null> {
    try {
      const connection = await this.connection(server);
      return await connection.command([{ kind: 'text', bytes: Buffer.from(text, 'utf8') }], { onUntagged: onUntagged ?? (() => undefined) });
    } catch (err) {
      if (!(err instanceof BackendUnavailable)) throw err;
      return null;
    }
  }

  /** ENABLE on the backend what the client enabled here (only outside a selection, as RFC 5161 wants). */
  private async syncEnabled(connection: BackendConnection): Promise<void> {
    if (this.selection?.server === connection.server) return;
    const missing = RELAYED_EXTENSIONS.filter((name) => this.host.enabled.has(name) && !connection.enabled.has(name));
    if (missing.length === 0) return;
    for (const name of missing) connection.enabled.add(name);
    await connection.command([{ kind: 'text', bytes: Buffer.from(`ENABLE ${missing.join(' ')}`) }], { onUntagged: () => undefined });
  }

  // ---- the selected state ----

  private async select(raw: RawCommand, server: string, mailbox: string): Promise<CommandResult> {
    // Selecting deselects first (RFC 3501 6.3.1): a local selection is closed here, one on another
    // backend there (a backend that keeps the selection says [CLOSED] itself).
    if (this.host.state.kind === 'selected') {
      this.host.setSelected(null);
      this.closedNotice();
    }
    if (this.selection !== null && this.selection.server !== server) {
      this.closedNotice();
      await this.leaveRemote();
    }
    this.selection = null;
    const result = await this.relay(server, raw, {});
    if (result.status === 'OK') this.selection = { server, mailbox, readOnly: result.code?.toUpperCase() === 'READ-ONLY' };
    return result;
  }

  /**
   * RFC 7162 3.2.11 (any server offering CONDSTORE or QRESYNC, enabled or not): a selection closed
   * by a SELECT of another mailbox is told with [CLOSED].
   */
  private closedNotice(): void {
    this.host.out.send(untaggedStatus('OK', 'CLOSED', 'Ok'));
  }

  /** Leave the remote selection without a word to the client (UNSELECT on the backend). */
  private async leaveRemote(): Promise<void> {
    const selection = this.selection;
    if (selection === null) return;
    this.selection = null;
    await this.quietly(selection.server, 'UNSELECT');
  }

  private copy(command: Extract<Command, { name: 'COPY' | 'MOVE' }>, raw: RawCommand, identity: Identity): Promise<CommandResult> | null {
    const selection = this.selection;
    const internal = this.internal(command.mailbox, identity);
    const entry = internal === null ? null : this.host.deps.store.lookup(internal);
    const remote = this.isRemote(entry) ? entry : null;
    if (selection === null) {
      if (remote === null) return null;
      return Promise.reject(new CommandFailure('NO', null, `Cannot ${command.name} from this server to a mailbox on another (${remote.server})`));
    }
    // Unknown targets go to the backend too: it answers TRYCREATE.
    if (entry === null || remote?.server === selection.server) return this.relay(selection.server, raw, {});
    if (remote === null) return Promise.reject(new CommandFailure('NO', null, `Cannot ${command.name} from ${selection.server} to a mailbox of this server`));
    if (command.name === 'MOVE' && selection.readOnly) return Promise.reject(new CommandFailure('NO', 'READ-ONLY', 'Mailbox is read-only'));
    const set = setText(raw);
    if (set === null) return this.relay(selection.server, raw, {});
    const out = this.host.out;
    const relay: CopyRelay = {
      command: async (server, pieces, onUntagged) => {
        try {
          return await (await this.connection(server)).command(pieces, { onUntagged });
        } catch (err) {
          if (!(err instanceof BackendUnavailable)) throw err;
          this.host.log.warn({ backend: server, err: err.message, command: command.name }, 'backend unavailable');
          throw new CommandFailure('NO', 'UNAVAILABLE', `Server ${server} is unavailable`);
        }
      },
      toClient: (bytes) => out.raw(bytes),
    };
    return copyAcross(relay, { move: command.name === 'MOVE', byUid: command.byUid, set, source: selection.server, target: remote.server!, targetName: command.mailbox });
  }

  // ---- one-shot relays that change the mailbox list ----

  private async oneShot(entry: MailboxEntry, raw: RawCommand, command: Command): Promise<CommandResult> {
    const server = entry.server!;
    const result = await this.relay(server, raw, {});
    if (result.status !== 'OK') return result;
    if (command.name === 'DELETE') afterDelete(this.host.deps.store, entry);
    else if (command.name === 'SETACL' || command.name === 'DELETEACL') await refreshAcl(this, this.host.deps.store, entry, command.mailbox);
    return result;
  }

  private create(external: string, partition: string | null, raw: RawCommand, identity: Identity): Promise<CommandResult> | null {
    const sep = this.host.deps.namespace.separator;
    const trimmed = external.endsWith(sep) && external.length > 1 ? external.slice(0, -1) : external;
    const internal = this.internal(trimmed, identity);
    if (internal === null) return null;
    // "CREATE name server!partition" (an administrator's choice, as Cyrus's proxyd takes it): the
    // backend hears "CREATE name partition", or no partition for a bare "server!".
    if (partition !== null && partition.includes('!')) {
      const location = parseLocation(partition);
      if (location === null) return Promise.reject(new CommandFailure('BAD', null, `Invalid server!partition "${partition}"`));
      if (!identity.isAdmin) return Promise.reject(new CommandFailure('NO', 'NOPERM', 'Only administrators may choose a server or partition'));
      const place: Placement = { server: location.server, partition: location.partition, fromAncestor: false };
      return this.relay(place.server, createAt(raw.tag, trimmed, location.partition), {}).then((result) => {
        if (result.status === 'OK') afterCreate(this.host.deps, internal, place);
        return result;
      });
    }
    const place = chooseBackend(this.host.deps, internal, this.inboxEntry(identity), (entry) => this.isRemote(entry));
    if (place === null) {
      // A frontend keeps no mailboxes: with no backend to put it on, the name cannot be made.
      if (isMurderFrontend(this.host.deps.config)) return Promise.reject(new CommandFailure('NO', 'CANNOT', 'No backend to create this mailbox on (no parent, INBOX or serverlist backend)'));
      return null;
    }
    return this.relay(place.server, raw, {}).then((result) => {
      if (result.status === 'OK') afterCreate(this.host.deps, internal, place);
      return result;
    });
  }

  /**
   * XFER of a remote mailbox (as Cyrus's proxyd): an administrator's command goes to the backend
   * holding the mailbox, which moves it; the mirror follows before the OK. Anyone else is refused here.
   */
  private xfer(command: Extract<Command, { name: 'XFER' }>, raw: RawCommand, identity: Identity): Promise<CommandResult> | null {
    const entry = this.remoteEntry(command.mailbox, identity);
    if (entry === null) return null;
    if (!identity.isAdmin) return Promise.reject(new CommandFailure('NO', 'NOPERM', 'Permission denied'));
    return this.relay(entry.server!, raw, {}).then((result) => {
      if (result.status === 'OK') afterXfer(this.host.deps.store, entry, command.server, command.partition, isUserInbox(entry.name));
      return result;
    });
  }

  private rename(from: string, to: string, raw: RawCommand, identity: Identity): Promise<CommandResult> | null {
    const source = this.remoteEntry(from, identity);
    const internalTo = this.internal(to, identity);
    if (source === null || internalTo === null) return null;
    const place = chooseBackend(this.host.deps, internalTo, this.inboxEntry(identity), (entry) => this.isRemote(entry));
    if (place !== null && place.fromAncestor && place.server !== source.server) {
      return Promise.reject(new CommandFailure('NO', null, `Cannot rename a mailbox to another server (${source.server} to ${place.server})`));
    }
    return this.relay(source.server!, raw, {}).then((result) => {
      if (result.status === 'OK') afterRename(this.host.deps.store, source, internalTo, source.name === this.host.deps.namespace.inboxOf(identity));
      return result;
    });
  }
}

/** The message set of a COPY/MOVE as the client wrote it (the first word after the name, after UID's sub-command). */
function setText(raw: RawCommand): string | null {
  const first = raw.parts[0];
  if (first?.kind !== 'text') return null;
  const words = first.bytes.toString('latin1').trim().split(' ');
  const set = raw.name === 'UID' ? words[1] : words[0];
  return set && /^[0-9:,*$]+$/.test(set) ? set : null;
}

/**
 * "CREATE name [partition]" for a backend. A quoted name carries UTF-8 too: a client sends 8-bit
 * names only under UTF8=ACCEPT, which the backend connection has enabled as well.
 */
function createAt(tag: string, name: string, partition: string): RawCommand {
  const text = ` ${quoted(name)}${partition === '' ? '' : ` ${quoted(partition)}`}`;
  const parts: CommandPart[] = [{ kind: 'text', bytes: Buffer.from(text, 'utf8') }];
  return { tag, name: 'CREATE', parts, size: parts[0]!.bytes.length };
}

/** The client's command as pieces for the backend: name, argument text and literals, byte for byte. */
function piecesOf(raw: RawCommand): CommandPiece[] {
  const pieces: CommandPiece[] = [{ kind: 'text', bytes: Buffer.from(raw.name, 'latin1') }];
  for (const part of raw.parts) pieces.push(part.kind === 'text' ? { kind: 'text', bytes: part.bytes } : { kind: 'literal', bytes: part.bytes, binary: part.binary });
  return pieces;
}
