/**
 * The mail store: mailboxes.db, mailbox directories on the partitions, seen state and
 * subscriptions. Every protocol and tool goes through it (and through the Mailbox handles it
 * opens): one way to create, rename, delete, list and append.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import { MailError } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import type { AppendFacts } from '../common/append-facts.js';
import type { ImapdConfig } from '../config/index.js';
import * as message from '../message/index.js';
import type { MessageSummary } from '../message/index.js';
import type { PartitionChooser } from '../partition/types.js';
import {
  IndexDb, Mailbox, adoptSeenOwner, fsError, fsyncDirectory, liveMailboxIn, pruneEmptyDirectories, readHeader, removeMailboxFiles, writeHeader,
  type MailboxContext,
} from '../mailbox/index.js';
import { MailboxList, type ListOptions, type MailboxEntry } from './mailbox-list.js';
import type { MurderOutbox } from './murder-outbox.js';
import { checkMailboxName, isUserInbox, isWithin, joinName, ownerOf, parentName, splitName } from '../names/index.js';
import { mailboxDirectory, type SpoolLayout } from './paths.js';
import { destroyMailbox, relocateMailbox, type RelocateContext } from './relocate.js';
import { SeenStore } from './seen.js';
import { SubscriptionStore } from './subscriptions.js';
import { AccessKeyStore } from './access-keys.js';
import { AnnotationStore, VENDOR_ENTRY } from './annotations.js';
import { SieveScriptStore } from './sieve-scripts.js';
import { processAlive } from '../common/process.js';
import { QuotaStore, type QuotaLimits } from './quotas.js';
import { changeQuotaRoot, moveQuotaRoots, recountRoot, type RecountContext } from './quota-recount.js';
import type { XferMove, XferPhase } from './xfer-ledger.js';
import { abortXfer, beginXfer, exportMailbox, exportUser, finishXfer, type XferBeginPlan, type XferMailboxExport, type XferSourceContext } from './xfer-source.js';
import { XferStaging, settlePendingXfers, type XferTargetContext } from './xfer-target.js';
import type { XferUserState } from './xfer-types.js';

export interface ChangeNotifier {
  /** `name` changed; `facts`: the change was an append, and this is what it did (src/common/append-facts.ts). */
  mailboxChanged(name: string, facts?: AppendFacts): void;
}

/**
 * The seam between the store and the Murder pusher (src/murder/pusher.ts, which the store cannot
 * import): the store kicks it after a change that left outbox rows, and asks it whether they
 * have reached the mupdate master.
 */
export interface MailboxListPublisher {
  /** Rows may be waiting: push them soon. */
  kick(): void;
  /** Resolves true once every row written before the call is pushed, false after `timeoutMs`. */
  settled(timeoutMs: number): Promise<boolean>;
  close(): void;
}

/** Makes the publisher of a store whose server is a Murder backend. */
export type MailboxListPublisherFactory = (store: MailStore, murder: { servername: string; config: ImapdConfig; logger: Logger }) => MailboxListPublisher;

/** Set once per process by the entry point (bin/cyrusts.ts): every backend store gets a publisher. */
let processPublisherFactory: MailboxListPublisherFactory | null = null;

/** How long a command that changed the mailbox list waits for the mupdate master to hear of it. */
const PUSH_WAIT_MS = 5_000;

export interface MailStoreOptions {
  config: ImapdConfig;
  logger?: Logger;
  /** Asked for the partition of a new top-level mailbox when none is named. */
  partitionChooser?: PartitionChooser;
  /** Cross-process change notification, called after every committed change. */
  notifier?: ChangeNotifier;
  /** The message parser; defaults to summarizeMessage of src/message. */
  summarize?: (content: Buffer) => MessageSummary;
  /** The Murder publisher's maker (default: the one the process installed; null: none). */
  publisher?: MailboxListPublisherFactory | null;
}

/** A mailbox on another server of the Murder, as the mirror keeps it. */
export interface RemoteEntryRecord {
  name: string;
  server: string;
  partition: string;
  acl: string;
  /** mupdate holds the name for a create under way there. */
  reserved?: boolean;
}

export interface CreateMailboxOptions {
  partition?: string;
  acl?: string;
  specialUse?: string | null;
  uniqueId?: string;
  quotaRoot?: string | null;
  /** Keep \Seen per mailbox instead of per user (default: the sharedseen option). */
  sharedSeen?: boolean;
}

/** A reserved row without a creator's lock file is stale after this long. */
const STALE_RESERVATION_MS = 5_000;
/** A creator still alive after this long is presumed hung. */
const STALE_CREATOR_MS = 5 * 60_000;


function headerUniqueId(dir: string): string | null {
  try {
    return readHeader(dir).uniqueId;
  } catch {
    return null;
  }
}

function defaultSummarize(content: Buffer): MessageSummary {
  const fn = (message as { summarizeMessage?: (c: Buffer) => MessageSummary }).summarizeMessage;
  if (typeof fn !== 'function') throw new Error('summarizeMessage is not available from src/message');
  return fn(content);
}

/** Mailbox handles kept open with no holder, per process, and for how long at most. */
const IDLE_HANDLES = 256;
const IDLE_HANDLE_MS = 30_000;

export class MailStore {
  /** mailboxes.db (for tools: dump/load, reconstruct -m). */
  readonly mailboxes: MailboxList;
  readonly seen: SeenStore;
  readonly subscriptionStore: SubscriptionStore;
  /** quotas.db: quota roots, limits and usage; the one way to charge a quota. */
  readonly quotas: QuotaStore;
  readonly logger: Logger;
  readonly durable: boolean;
  private readonly events = new EventEmitter();
  private readonly handles = new Map<string, Mailbox>();
  /** Handles nobody holds, kept open (release): name → when it went idle, oldest first. */
  private readonly idleHandles = new Map<string, number>();
  private idleSweep: NodeJS.Timeout | null = null;
  private readonly layout: SpoolLayout;
  private readonly maxNameLength: number;
  private readonly context: MailboxContext;
  private accessKeyStore: AccessKeyStore | null = null;
  private annotationStore: AnnotationStore | null = null;
  private sieveScriptStore: SieveScriptStore | null = null;
  /** This server's name when it is a Murder backend (its list changes go to the outbox), else null. */
  readonly murderBackend: string | null;
  private publisher: MailboxListPublisher | null = null;
  /** MurderOutbox.appended when the publisher was last kicked. */
  private kickedAt = 0;

  private constructor(private readonly options: MailStoreOptions) {
    const config = options.config;
    this.logger = options.logger ?? silentLogger();
    this.durable = !config.bool('fsync_disabled');
    this.layout = { hashSpool: config.bool('hashimapspool'), fullDirHash: config.bool('fulldirhash') };
    this.maxNameLength = config.int('maxmailboxnamelength');
    const dir = config.configDirectory;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw fsError(err, 'configdirectory');
    }
    this.mailboxes = new MailboxList(join(dir, 'mailboxes.db'), this.durable);
    const layout = config.enum('mupdate_config');
    this.murderBackend = config.string('mupdate_server') && (layout === 'standard' || layout === 'unified') ? (config.string('servername') ?? hostname()) : null;
    this.mailboxes.publishAs(this.murderBackend);
    this.seen = new SeenStore(join(dir, 'seen.db'), this.durable);
    this.subscriptionStore = new SubscriptionStore(join(dir, 'subscriptions.db'), this.durable);
    this.quotas = new QuotaStore(config.path('quota_db_path') ?? join(dir, 'quotas.db'), this.durable, config.string('deletedprefix') ?? 'DELETED');
    this.events.setMaxListeners(0);
    const summarize = options.summarize ?? defaultSummarize;
    const maxMessagesUser = config.int('mailbox_maxmessages_user');
    this.context = {
      durable: this.durable,
      expungeImmediately: config.enum('expunge_mode') === 'immediate',
      maxMessageSize: config.bytes('maxmessagesize'),
      messageLimit: (name) => (ownerOf(name) === null ? 0 : maxMessagesUser),
      seen: this.seen,
      logger: this.logger,
      summarize,
      changed: (name, facts) => this.changed(name, facts),
      keywordsDefined: (name) => this.rewriteHeader(name),
      release: (name) => this.release(name),
      quota: this.quotas,
      searchIndex: config.enum('search_engine') !== 'none',
    };
  }

  /** Parse a stored (CRLF) message with the store's parser (reconstruct uses it). */
  summarizeMessage(content: Buffer): MessageSummary {
    return this.context.summarize(content);
  }

  static open(options: MailStoreOptions): MailStore {
    const store = new MailStore(options);
    const factory = options.publisher === undefined ? processPublisherFactory : options.publisher;
    if (store.murderBackend !== null && factory !== null) {
      try {
        store.publisher = factory(store, { servername: store.murderBackend, config: options.config, logger: store.logger });
      } catch (err) {
        store.close();
        throw err;
      }
    }
    return store;
  }

  /** The entry point installs the Murder publisher's maker for every store this process opens. */
  static installPublisher(factory: MailboxListPublisherFactory | null): void {
    processPublisherFactory = factory;
  }

  /** mailboxes.db's Murder outbox (murder-outbox.ts): for the pusher and ctl_mboxlist -m. */
  get murderOutbox(): MurderOutbox {
    return this.mailboxes.outbox;
  }

  /**
   * Wait (at most `timeoutMs`) until the mupdate master has every change of the mailbox list made
   * so far (a CREATE, RENAME, DELETE or SETACL that a frontend relayed is then visible in the whole
   * Murder when its OK arrives). True at once when this server is no Murder backend; false (and
   * logged) on timeout: the rows stay and are pushed later.
   */
  async mailboxListPushed(timeoutMs = PUSH_WAIT_MS): Promise<boolean> {
    if (this.publisher === null) return true;
    this.kickPublisher();
    const pushed = await this.publisher.settled(timeoutMs);
    if (!pushed) this.logger.warn({ timeoutMs }, 'the mupdate master has not yet heard of a mailbox list change; it stays queued');
    return pushed;
  }

  private kickPublisher(): void {
    const appended = this.mailboxes.outbox.appended;
    if (this.publisher === null || appended === this.kickedAt) return;
    this.kickedAt = appended;
    this.publisher.kick();
  }

  close(): void {
    this.publisher?.close();
    this.publisher = null;
    for (const handle of this.handles.values()) {
      handle.invalidate();
      if (handle.idle) handle.closeIndex();
    }
    this.handles.clear();
    this.idleHandles.clear();
    if (this.idleSweep) clearInterval(this.idleSweep);
    this.idleSweep = null;
    this.mailboxes.close();
    this.seen.close();
    this.subscriptionStore.close();
    this.quotas.close();
    this.accessKeyStore?.close();
    this.annotationStore?.close();
    this.events.removeAllListeners();
  }

  /** mboxkey.db: URLAUTH's mailbox access keys per user and mailbox, opened on first use. */
  get accessKeys(): AccessKeyStore {
    return (this.accessKeyStore ??= new AccessKeyStore(join(this.options.config.configDirectory, 'mboxkey.db'), this.durable));
  }

  /** The users' Sieve scripts under sievedir (files, no database), made on first use. */
  get sieveScripts(): SieveScriptStore {
    return (this.sieveScriptStore ??= SieveScriptStore.fromConfig(this.options.config, this.logger));
  }

  /**
   * annotations.db (annotation_db_path): METADATA's mailbox and server annotations, keyed by the
   * mailbox's uniqueid (kept across a rename, dropped when the mailbox is removed for good).
   */
  get annotations(): AnnotationStore {
    const config = this.options.config;
    if (this.annotationStore === null) {
      this.annotationStore = new AnnotationStore(config.path('annotation_db_path') ?? join(config.configDirectory, 'annotations.db'), this.durable);
      // A mailbox being moved by XFER keeps its annotations as they are until it has gone.
      this.annotationStore.writeGuard = (uniqueId) => {
        if (this.mailboxes.xfers.anyMoves() && this.mailboxes.xfers.moveByUniqueId(uniqueId) !== null) throw movingError();
      };
    }
    return this.annotationStore;
  }

  /**
   * Whether `name`'s /vendor/cmu/cyrus-imapd/duplicatedeliver annotation is "true": LMTP then stores
   * every copy of a message there, duplicate suppression notwithstanding (Cyrus's meaning).
   */
  allowsDuplicateDelivery(name: string): boolean {
    const entry = this.lookup(name);
    return entry !== null && this.annotations.shared(entry.uniqueId, VENDOR_ENTRY.duplicateDeliver)?.toString('latin1') === 'true';
  }

  /**
   * Whether squatter -a indexes `name`: the /vendor/cmu/cyrus-imapd/squat annotation of the
   * mailbox, or else of its nearest ancestor that has one, is "true" (Cyrus's inheritance; none
   * anywhere: false).
   */
  squatAnnotated(name: string): boolean {
    for (let at: string | null = name; at !== null; at = parentName(at)) {
      const entry = this.lookup(at);
      const value = entry === null ? null : this.annotations.shared(entry.uniqueId, VENDOR_ENTRY.squat);
      if (value !== null) return value.toString('latin1').trim().toLowerCase() === 'true';
    }
    return false;
  }

  /**
   * The instant (ms) before which `name`'s messages are hidden from POP3: its
   * /vendor/cmu/cyrus-imapd/pop3showafter annotation (cyradm's `mboxcfg MAILBOX pop3showafter
   * DATE`, kept as an IMAP date-time); null when it has none.
   */
  pop3ShowAfter(name: string): number | null {
    const entry = this.lookup(name);
    const value = entry === null ? null : this.annotations.shared(entry.uniqueId, VENDOR_ENTRY.pop3ShowAfter);
    return value === null ? null : (message.parseImapDateTime(value.toString('latin1'))?.getTime() ?? null);
  }

  /** Listen to committed changes made by this process; returns the unsubscribe function. */
  onChange(listener: (name: string, facts?: AppendFacts) => void): () => void {
    this.events.on('mailboxChanged', listener);
    return () => this.events.off('mailboxChanged', listener);
  }

  private changed(name: string, facts?: AppendFacts): void {
    this.kickPublisher();
    this.events.emit('mailboxChanged', name, facts);
    try {
      this.options.notifier?.mailboxChanged(name, facts);
    } catch (err) {
      this.logger.warn({ err, mailbox: name }, 'change notifier failed');
    }
  }

  /** The root directory of a configured partition; Invalid for an unknown one. */
  partitionRoot(partition: string): string {
    const root = this.options.config.partitions().get(partition);
    if (!root) throw new MailError('Invalid', `unknown partition ${partition}`, { partition });
    return root;
  }

  /** The directory of mailbox `name` on `partition`. */
  directoryOf(name: string, partition: string): string {
    return mailboxDirectory(this.partitionRoot(partition), name, this.layout);
  }

  checkName(name: string): void {
    checkMailboxName(name, this.maxNameLength);
  }

  /** The entry of an existing mailbox (not one being created), or null. */
  lookup(name: string): MailboxEntry | null {
    const entry = this.mailboxes.get(name);
    return entry && !entry.type.includes('reserved') && !entry.type.includes('deleted') ? entry : null;
  }

  private mustLookup(name: string): MailboxEntry {
    const entry = this.lookup(name);
    if (!entry) throw new MailError('NotFound', `no mailbox ${name}`);
    return entry;
  }

  /** Mailboxes matching a LIST pattern ("*", "%"), sorted by name. */
  list(pattern: string, opts?: ListOptions): MailboxEntry[] {
    return this.mailboxes.list(pattern, opts);
  }

  hasChildren(name: string): boolean {
    return this.mailboxes.hasChildren(name);
  }

  private choosePartition(name: string, explicit: string | undefined): string {
    if (explicit !== undefined) {
      this.partitionRoot(explicit);
      return explicit;
    }
    for (let ancestor = parentName(name); ancestor !== null; ancestor = parentName(ancestor)) {
      const entry = this.lookup(ancestor);
      if (entry) return entry.partition;
    }
    const partitions = this.options.config.partitions();
    const chosen = this.options.partitionChooser?.choose() ?? this.options.config.string('defaultpartition');
    if (chosen && partitions.has(chosen)) return chosen;
    if (!this.options.partitionChooser && partitions.size === 1) return [...partitions.keys()][0]!;
    throw new MailError('Invalid', `no usable partition for ${name}`, { partition: chosen });
  }

  /**
   * Whether a 'reserved' entry is the leftover of a create that died between committing the
   * reservation and finishing it: its creator's lock file names a dead process, or (no lock file:
   * a crash before it was written, or a row from elsewhere) it is older than a few seconds, judged
   * by its uidvalidity (the creation time in seconds, never below it). A live creator that has been
   * at it for STALE_CREATOR_MS is presumed hung.
   */
  isStaleReservation(entry: MailboxEntry, now = Date.now()): boolean {
    if (!entry.type.includes('reserved') || entry.type.includes('remote')) return false;
    const age = now - entry.uidValidity * 1000;
    let pid: number | null = null;
    try {
      pid = Number(readFileSync(this.creationLockFile(entry.uniqueId), 'utf8').trim()) || null;
    } catch {
      pid = null;
    }
    if (pid === null) return age > STALE_RESERVATION_MS;
    return !processAlive(pid) || age > STALE_CREATOR_MS;
  }

  private creationLockFile(uniqueId: string): string {
    return join(this.options.config.path('mboxname_lockpath') ?? join(this.options.config.configDirectory, 'lock'), `create-${uniqueId}`);
  }

  /** Drop a stale reserved row (and its lock file); call inside a mailboxes.db write. */
  private clearReservation(entry: MailboxEntry): void {
    this.mailboxes.remove(entry.name);
    rmSync(this.creationLockFile(entry.uniqueId), { force: true });
    this.logger.warn({ mailbox: entry.name, uniqueId: entry.uniqueId }, 'cleared the reservation of an interrupted create');
  }

  /**
   * Clear the reserved rows of interrupted creates (reconstruct -m); a create whose directory
   * already holds its complete header and index is finished instead. Returns the names, with what
   * was done.
   */
  clearStaleReservations(opts: { checkOnly?: boolean } = {}): Array<{ name: string; action: 'cleared' | 'completed' }> {
    const out: Array<{ name: string; action: 'cleared' | 'completed' }> = [];
    for (const entry of this.mailboxes.all()) {
      if (!this.isStaleReservation(entry)) continue;
      let dir: string | null = null;
      try {
        dir = this.directoryOf(entry.name, entry.partition);
      } catch {
        dir = null; // unknown partition
      }
      const complete = dir !== null && headerUniqueId(dir) === entry.uniqueId && IndexDb.identity(dir, this.durable)?.uniqueid === entry.uniqueId;
      out.push({ name: entry.name, action: complete ? 'completed' : 'cleared' });
      if (opts.checkOnly) continue;
      this.mailboxes.write('clear reservation', () => {
        const current = this.mailboxes.get(entry.name);
        if (!current || current.uniqueId !== entry.uniqueId || !current.type.includes('reserved')) return;
        if (complete) {
          this.mailboxes.put({ ...current, type: [] });
          rmSync(this.creationLockFile(entry.uniqueId), { force: true });
        } else this.clearReservation(current);
      });
      if (complete) this.changed(entry.name);
    }
    return out;
  }

  createMailbox(name: string, opts: CreateMailboxOptions = {}): MailboxEntry {
    this.checkName(name);
    // A new folder of a user being moved away would be left behind.
    this.refuseIfOwnerMoving(name);
    const partition = this.choosePartition(name, opts.partition);
    const dir = this.directoryOf(name, partition);
    const uniqueId = opts.uniqueId ?? randomUUID();
    const lockFile = this.creationLockFile(uniqueId);
    try {
      mkdirSync(dirname(lockFile), { recursive: true, mode: 0o700 });
      writeFileSync(lockFile, `${process.pid}\n`, { mode: 0o600 });
    } catch (err) {
      throw fsError(err, `create ${name}`);
    }
    /** uniqueids whose files in `dir` this create may replace: its own and an interrupted create's. */
    const replaceable = new Set([uniqueId]);
    let reserved: MailboxEntry;
    try {
      reserved = this.mailboxes.write('create mailbox', () => {
        const existing = this.mailboxes.get(name);
        if (existing) {
          if (!this.isStaleReservation(existing)) throw new MailError('Exists', `mailbox ${name} already exists`);
          replaceable.add(existing.uniqueId);
          this.clearReservation(existing);
        }
        const modseq = this.mailboxes.nextCounter('modseq');
        const entry: MailboxEntry = {
          name,
          uniqueId,
          partition,
          acl: opts.acl ?? '',
          type: ['reserved'],
          server: null,
          createdModseq: modseq,
          modifiedModseq: modseq,
          uidValidity: this.mailboxes.nextCounter('uidvalidity', Math.floor(Date.now() / 1000)),
          specialUse: opts.specialUse ?? null,
          quotaRoot: opts.quotaRoot ?? this.quotas.rootOf(name),
        };
        this.mailboxes.insert(entry);
        return entry;
      });
    } catch (err) {
      rmSync(lockFile, { force: true });
      throw err;
    }
    let charged = false;
    const undo = () => {
      if (charged) this.quotas.charge(name, { mailboxes: -1 }, 'ignore');
      this.mailboxes.write('undo create', () => {
        if (this.mailboxes.get(name)?.uniqueId === uniqueId) this.mailboxes.remove(name);
      });
      rmSync(lockFile, { force: true });
    };
    try {
      this.checkDirectoryFree(dir, name, replaceable);
      // MAILBOX quota (X-NUM-FOLDERS); a crash before the create completes over-charges: quota -f.
      this.quotas.charge(name, { mailboxes: 1 }, 'strict');
      charged = true;
    } catch (err) {
      undo();
      throw err;
    }
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      removeMailboxFiles(dir); // a leftover of a mailbox that is no longer in mailboxes.db
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const sharedSeen = opts.sharedSeen ?? this.options.config.bool('sharedseen');
      IndexDb.create(dir, this.durable, { uniqueId, name, uidValidity: reserved.uidValidity, highestModseq: reserved.createdModseq, sharedSeen, seenOwner: ownerOf(name) }).close();
      writeHeader(dir, { name, uniqueId, uidValidity: reserved.uidValidity, acl: reserved.acl, quotaRoot: reserved.quotaRoot, specialUse: reserved.specialUse, createdModseq: reserved.createdModseq, userFlags: this.options.config.list('mailbox_initial_flags'), sharedSeen }, this.durable);
      fsyncDirectory(dirname(dir), this.durable);
    } catch (err) {
      removeMailboxFiles(dir);
      undo();
      throw fsError(err, `create ${name}`);
    }
    const entry: MailboxEntry = { ...reserved, type: [] };
    try {
      this.mailboxes.write('create mailbox', () => {
        // A create that took so long that another one judged it dead and took the name over.
        if (this.mailboxes.get(name)?.uniqueId !== uniqueId) throw new MailError('Temp', `create ${name}: the reservation was taken over`);
        this.mailboxes.put(entry);
      });
    } finally {
      rmSync(lockFile, { force: true });
    }
    this.changed(name);
    return entry;
  }

  /**
   * Refuse to create over a directory that holds another live mailbox (two names can map to one
   * directory, e.g. after a layout change): its cyrus.header names a uniqueid that is neither ours
   * nor an interrupted create's, and its index is not marked moved or deleted.
   */
  private checkDirectoryFree(dir: string, name: string, replaceable: ReadonlySet<string>): void {
    const other = liveMailboxIn(dir, this.durable);
    if (other === null || replaceable.has(other)) return;
    const owner = this.mailboxes.getByUniqueId(other);
    throw new MailError('Exists', `the directory of ${name} holds another mailbox${owner ? ` (${owner.name})` : ''}`, { directory: dir });
  }

  private relocateContext(): RelocateContext {
    return { list: this.mailboxes, durable: this.durable, directoryOf: (n, p) => this.directoryOf(n, p), quotas: this.quotas };
  }

  private forgetHandle(name: string): void {
    const handle = this.handles.get(name);
    if (handle) {
      handle.invalidate();
      this.handles.delete(name);
      if (this.idleHandles.delete(name)) handle.closeIndex();
    }
  }

  /**
   * The last holder of a handle let go. Its index stays open, idle, for the next session that
   * opens the mailbox (clients that log in, SELECT and log out again and again would otherwise pay
   * the open, its pragmas and some forty prepared statements each time): at most IDLE_HANDLES of
   * them, each for at most IDLE_HANDLE_MS. A dead handle (renamed, deleted) closes itself (Mailbox.close).
   */
  private release(name: string): void {
    const handle = this.handles.get(name);
    if (!handle?.idle) return;
    this.idleHandles.delete(name);
    this.idleHandles.set(name, Date.now());
    while (this.idleHandles.size > IDLE_HANDLES) this.closeIdle(this.idleHandles.keys().next().value!);
    this.idleSweep ??= setInterval(() => this.sweepIdle(), IDLE_HANDLE_MS / 2).unref();
  }

  private closeIdle(name: string): void {
    this.idleHandles.delete(name);
    const handle = this.handles.get(name);
    if (!handle?.idle) return;
    this.handles.delete(name);
    handle.closeIndex();
  }

  private sweepIdle(): void {
    const before = Date.now() - IDLE_HANDLE_MS;
    for (const [name, since] of this.idleHandles) {
      if (since > before) break; // in the order they went idle
      this.closeIdle(name);
    }
    if (this.idleHandles.size === 0 && this.idleSweep) {
      clearInterval(this.idleSweep);
      this.idleSweep = null;
    }
  }

  /** The mailbox and, in name order, every mailbox below it. */
  subtree(name: string): MailboxEntry[] {
    return [this.mustLookup(name), ...[...this.mailboxes.scanPrefix(name + '.')].filter((e) => e.type.length === 0 || e.type.includes('remote'))];
  }

  /**
   * Rename a mailbox and its whole subtree; with `partition`, also move them to that partition
   * (renaming a mailbox to its own name with a partition only moves it).
   */
  renameMailbox(from: string, to: string, opts: { partition?: string; ignoreQuota?: boolean } = {}): MailboxEntry {
    this.checkName(from);
    this.checkName(to);
    if (opts.partition !== undefined) this.partitionRoot(opts.partition);
    if (from !== to && isWithin(to, from)) throw new MailError('Cannot', 'cannot rename a mailbox into itself');
    const moves = (from === to ? [this.mustLookup(from)] : this.subtree(from)).map((e) => ({ entry: e, target: to + e.name.slice(from.length) }));
    // One user's INBOX to another's name moves the whole hierarchy: a user rename, whose records'
    // \Seen bits stay the renamed user's (seen-owner.ts); any other rename into another user's
    // hierarchy hands the bits over at the next open.
    const seenOwnerRenamed = from !== to && isUserInbox(from) && isUserInbox(to);
    if (from === to && (opts.partition === undefined || opts.partition === moves[0]!.entry.partition)) {
      throw new MailError('Cannot', 'mailbox is already there');
    }
    for (const m of moves) {
      this.checkName(m.target);
      if (m.target !== m.entry.name && this.mailboxes.get(m.target)) throw new MailError('Exists', `mailbox ${m.target} already exists`);
      this.refuseIfMoving(m.entry.name);
      this.refuseIfOwnerMoving(m.target);
    }
    if (!opts.ignoreQuota) this.checkRenameQuota(moves);
    const ctx = this.relocateContext();
    let first: MailboxEntry | null = null;
    for (const m of moves) {
      this.forgetHandle(m.entry.name);
      // An index from before the bits has its owner's \Seen adopted first, so that the copy carries it.
      if (seenOwnerRenamed) this.adoptSeenOwnerOf(m.entry);
      const moved = relocateMailbox(ctx, m.entry, m.target, opts.partition ?? m.entry.partition, seenOwnerRenamed ? { from: ownerOf(from)!, to: ownerOf(to)! } : undefined);
      first ??= moved;
      this.changed(m.entry.name);
      if (m.target !== m.entry.name) this.changed(m.target);
    }
    for (const m of [...moves].reverse()) {
      pruneEmptyDirectories(this.directoryOf(m.entry.name, m.entry.partition), this.partitionRoot(m.entry.partition));
    }
    return first!;
  }

  /** Hand the records' \Seen bits of an unopened mailbox to its owner (seen-owner.ts). */
  private adoptSeenOwnerOf(entry: MailboxEntry): void {
    const index = IndexDb.open(this.directoryOf(entry.name, entry.partition), this.durable);
    try {
      adoptSeenOwner(index, entry.uniqueId, ownerOf(entry.name), this.seen);
    } finally {
      index.close();
    }
  }

  /**
   * A rename that brings mailboxes under another quota root must fit there, as in Cyrus: the usage
   * of every moving mailbox (messages, storage, one mailbox each) is added up per target root and
   * checked before anything moves, so a subtree is renamed whole or not at all.
   */
  private checkRenameQuota(moves: Array<{ entry: MailboxEntry; target: string }>): void {
    const byRoot = new Map<string, { name: string; storage: number; messages: number; mailboxes: number }>();
    for (const m of moves) {
      if (this.quotas.sameRoot(m.entry.name, m.target)) continue;
      const root = this.quotas.quotaOf(m.target)?.root;
      if (root === undefined) continue;
      const sum = byRoot.get(root) ?? { name: m.target, storage: 0, messages: 0, mailboxes: 0 };
      const index = IndexDb.open(this.directoryOf(m.entry.name, m.entry.partition), this.durable);
      try {
        const counts = index.stmts.counts.get()!;
        sum.storage += counts.size ?? 0;
        sum.messages += counts.messages;
        sum.mailboxes += 1;
      } finally {
        index.close();
      }
      byRoot.set(root, sum);
    }
    for (const sum of byRoot.values()) this.quotas.check(sum.name, { storage: sum.storage, messages: sum.messages, mailboxes: sum.mailboxes }, 'strict');
  }

  /**
   * Delete a mailbox (with `recursive`, its children too). Under delete_mode delayed it is renamed
   * into DELETED.<name>.<hex time> instead; deleteExpired() removes those later.
   */
  deleteMailbox(name: string, opts: { recursive?: boolean } = {}): void {
    this.checkName(name);
    const victims = opts.recursive ? this.subtree(name) : [this.mustLookup(name)];
    for (const victim of victims) this.refuseIfMoving(victim.name);
    const delayed = this.options.config.enum('delete_mode') === 'delayed';
    const prefix = this.options.config.string('deletedprefix') ?? 'DELETED';
    const now = Math.floor(Date.now() / 1000);
    const ctx = this.relocateContext();
    for (const entry of [...victims].reverse()) {
      this.forgetHandle(entry.name);
      const parts = splitName(entry.name);
      if (delayed && parts.components[0] !== prefix) {
        relocateMailbox(ctx, entry, this.deletedName(parts.domain, [prefix, ...parts.components], now), entry.partition);
      } else {
        destroyMailbox(ctx, entry);
        this.seen.forgetMailbox(entry.uniqueId);
        this.annotations.forgetMailbox(entry.uniqueId);
      }
      pruneEmptyDirectories(this.directoryOf(entry.name, entry.partition), this.partitionRoot(entry.partition));
      this.changed(entry.name);
    }
  }

  /**
   * The DELETED.<name>.<hex time> name for a delayed delete at `seconds`. The stamp has a
   * resolution of one second, so when that name is taken (the same name deleted twice within one
   * second) the stamp is raised by one until the name is free: it still reads as a time, a second
   * or so late.
   */
  private deletedName(domain: string | null, components: readonly string[], seconds: number): string {
    for (let stamp = seconds; ; stamp++) {
      const target = joinName(domain, [...components, stamp.toString(16).toUpperCase()]);
      this.checkName(target);
      if (!this.mailboxes.get(target)) return target;
    }
  }

  /** Tell this process's listeners and the other processes (the notifier) that `name` changed. */
  notifyChanged(name: string): void {
    this.changed(name);
  }

  /**
   * Remove for good the DELETED.* mailboxes deleted at least `minAgeMs` ago; returns their names.
   * With `dryRun`, only returns them.
   */
  deleteExpired(minAgeMs: number, opts: { dryRun?: boolean } = {}): string[] {
    const prefix = this.options.config.string('deletedprefix') ?? 'DELETED';
    const cutoff = Math.floor((Date.now() - minAgeMs) / 1000);
    const removed: string[] = [];
    const candidates = [...this.mailboxes.list(`${prefix}.*`), ...this.mailboxes.list(`*!${prefix}.*`)];
    for (const entry of candidates) {
      const stamp = parseInt(splitName(entry.name).components.at(-1) ?? '', 16);
      if (!Number.isFinite(stamp) || stamp > cutoff) continue;
      if (opts.dryRun) {
        removed.push(entry.name);
        continue;
      }
      this.forgetHandle(entry.name);
      destroyMailbox(this.relocateContext(), entry);
      this.seen.forgetMailbox(entry.uniqueId);
      this.annotations.forgetMailbox(entry.uniqueId);
      pruneEmptyDirectories(this.directoryOf(entry.name, entry.partition), this.partitionRoot(entry.partition));
      removed.push(entry.name);
      this.changed(entry.name);
    }
    return removed;
  }

  private updateEntry(name: string, change: Partial<Pick<MailboxEntry, 'acl' | 'specialUse' | 'quotaRoot'>>): MailboxEntry {
    const entry = this.mailboxes.write('update mailbox', () => {
      const current = this.mustLookup(name);
      // The ACL and special use an XFER reads at its end must be what moves (the quota root label is worked out again there).
      if (change.acl !== undefined || change.specialUse !== undefined) this.refuseIfMoving(name);
      const next = { ...current, ...change, modifiedModseq: this.mailboxes.nextCounter('modseq') };
      this.mailboxes.put(next);
      return next;
    });
    this.rewriteHeader(name);
    this.changed(name);
    return entry;
  }

  /**
   * Murder mirror: write the entry of a mailbox that lives on another server (type 'remote', and
   * 'reserved' while mupdate holds the name for a create under way there). A frontend's mupdate
   * slave and the mupdate master keep the Murder's list this way; nothing on this server's
   * partitions is touched. A local mailbox of that name is never replaced (MailError 'Exists').
   */
  putRemoteEntry(record: RemoteEntryRecord): MailboxEntry {
    const refused = this.applyRemoteEntries([{ put: record }]);
    if (refused.length > 0) throw refused[0]!.error;
    return this.mailboxes.get(record.name)!;
  }

  /**
   * Murder mirror: many puts and removals in one mailboxes.db transaction (a mupdate slave's first
   * list of 100,000 records is one commit, not 100,000). A put over a local mailbox, or of a bad
   * name, is skipped and returned with its MailError; the rest is written.
   */
  applyRemoteEntries(changes: ReadonlyArray<{ put: RemoteEntryRecord } | { remove: string }>): Array<{ name: string; error: MailError }> {
    const refused: Array<{ name: string; error: MailError }> = [];
    const touched: string[] = [];
    const valid = changes.filter((change) => {
      if (!('put' in change)) return true;
      try {
        this.checkName(change.put.name);
        return true;
      } catch (err) {
        refused.push({ name: change.put.name, error: err instanceof MailError ? err : new MailError('BadName', String(err)) });
        return false;
      }
    });
    this.mailboxes.write('mirror mailboxes', () => {
      for (const change of valid) {
        if ('remove' in change) {
          const current = this.mailboxes.get(change.remove);
          if (!current || !current.type.includes('remote')) continue;
          this.mailboxes.remove(change.remove);
          touched.push(change.remove);
          continue;
        }
        const record = change.put;
        const current = this.mailboxes.get(record.name);
        if (current && !current.type.includes('remote')) {
          refused.push({ name: record.name, error: new MailError('Exists', `mailbox ${record.name} is a local mailbox here`) });
          continue;
        }
        const type: MailboxEntry['type'] = record.reserved ? ['reserved', 'remote'] : ['remote'];
        if (current && current.server === record.server && current.partition === record.partition && current.acl === record.acl && current.type.join() === type.join()) continue;
        const modseq = this.mailboxes.nextCounter('modseq');
        this.mailboxes.put({
          name: record.name,
          uniqueId: current?.uniqueId ?? randomUUID(),
          partition: record.partition,
          acl: record.acl,
          type,
          server: record.server,
          createdModseq: current?.createdModseq ?? modseq,
          modifiedModseq: modseq,
          uidValidity: current?.uidValidity ?? 0,
          specialUse: current?.specialUse ?? null,
          quotaRoot: null,
        });
        touched.push(record.name);
      }
    });
    for (const name of touched) this.changed(name);
    return refused;
  }

  /** Murder mirror: forget a remote entry. False when there is none (a local mailbox is never removed). */
  removeRemoteEntry(name: string): boolean {
    const current = this.mailboxes.get(name);
    if (!current || !current.type.includes('remote')) return false;
    this.applyRemoteEntries([{ remove: name }]);
    return true;
  }

  /** Murder mirror: every remote entry (reserved ones included), in name order. */
  remoteEntries(): MailboxEntry[] {
    return this.mailboxes.all().filter((e) => e.type.includes('remote'));
  }

  setAcl(name: string, acl: string): MailboxEntry {
    return this.updateEntry(name, { acl });
  }

  setSpecialUse(name: string, specialUse: string | null): MailboxEntry {
    return this.updateEntry(name, { specialUse });
  }

  setQuotaRoot(name: string, quotaRoot: string | null): MailboxEntry {
    return this.updateEntry(name, { quotaRoot });
  }

  private recountContext(): RecountContext {
    return { quotas: this.quotas, list: this.mailboxes, durable: this.durable, directoryOf: (n, p) => this.directoryOf(n, p) };
  }

  /**
   * SETQUOTA: set the limits of quota root `root` (an internal name), creating it when missing;
   * a new root takes over the charges of the mailboxes below it. `limits` null removes the root
   * (its mailboxes fall to the next root above). Mailbox entries' quotaRoot follow.
   */
  setQuota(root: string, limits: QuotaLimits | null): void {
    this.checkName(root);
    this.refuseIfMoving(root);
    this.refuseIfOwnerMoving(root);
    changeQuotaRoot(this.recountContext(), root, limits, (name, quotaRoot) => this.setQuotaRoot(name, quotaRoot));
  }

  /** A user's rename (`to`) or delete (`to` null): the quota roots at or below `from` follow. */
  moveQuotaRoots(from: string, to: string | null): void {
    moveQuotaRoots(this.recountContext(), from, to, (name, quotaRoot) => this.setQuotaRoot(name, quotaRoot));
  }

  /** Recount a root from its mailboxes (quota -f / -n); null when `root` is not a root. */
  recountQuota(root: string, fix: boolean, onMailbox?: () => void) {
    return recountRoot(this.recountContext(), root, fix, onMailbox);
  }

  /** Write cyrus.header again from the mailboxes.db entry and the index's keyword names. */
  rewriteHeader(name: string): void {
    const entry = this.mustLookup(name);
    const dir = this.directoryOf(entry.name, entry.partition);
    const index = IndexDb.open(dir, this.durable);
    let userFlags: string[];
    let sharedSeen: boolean;
    try {
      userFlags = index.stmts.userFlags.all().map((r) => r.name);
      sharedSeen = index.mailbox().sharedseen === 1;
    } finally {
      index.close();
    }
    writeHeader(dir, { name, uniqueId: entry.uniqueId, uidValidity: entry.uidValidity, acl: entry.acl, quotaRoot: entry.quotaRoot, specialUse: entry.specialUse, createdModseq: entry.createdModseq, userFlags, sharedSeen }, this.durable);
  }

  /**
   * Existing mailboxes whose ACL names `identifier` in an entry ("fred" or "-fred"), in name
   * order; may hold a few more (the caller reads the ACL). For a user's rename and delete.
   */
  mailboxesWithAclFor(identifier: string): MailboxEntry[] {
    const found = new Map<string, MailboxEntry>();
    for (const id of [identifier, `-${identifier}`]) {
      for (const entry of this.mailboxes.aclMentioning(id)) if (entry.type.length === 0) found.set(entry.name, entry);
    }
    return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Move a user's seen state and subscriptions to another userid (a user rename); subscribed
   * names pass through `renameMailbox`. Seen state is keyed by mailbox uniqueid, so it needs no
   * renaming of its own.
   */
  moveUserState(fromUserid: string, toUserid: string, renameMailbox: (name: string) => string): void {
    this.seen.renameUser(fromUserid, toUserid);
    this.subscriptionStore.renameUser(fromUserid, toUserid, renameMailbox);
    this.accessKeys.renameUser(fromUserid, toUserid);
    this.annotations.renameUser(fromUserid, toUserid);
  }

  /** Forget a user's seen state and subscriptions (a user delete). */
  forgetUserState(userid: string): void {
    this.seen.forgetUser(userid);
    this.subscriptionStore.forgetUser(userid);
    this.accessKeys.reset(userid);
    this.annotations.forgetUser(userid);
  }

  /** Open a mailbox (one shared handle per mailbox per process; close() it when done). */
  openMailbox(name: string): Mailbox {
    const cached = this.handles.get(name);
    if (cached && !cached.idle) return cached.retain();
    if (cached) {
      // Idle: still this mailbox (not deleted and made again, nor its index rebuilt) in any process?
      this.idleHandles.delete(name);
      const entry = this.lookup(name);
      if (entry && entry.uniqueId === cached.uniqueId && cached.sameIndexFile) return cached.retain();
      this.handles.delete(name);
      cached.closeIndex();
    }
    const entry = this.mustLookup(name);
    const dir = this.directoryOf(entry.name, entry.partition);
    if (!IndexDb.exists(dir)) throw new MailError('Temp', `mailbox ${name} has no index; run reconstruct`);
    const index = IndexDb.open(dir, this.durable);
    const row = index.mailbox();
    if (row.uniqueid !== entry.uniqueId) {
      index.close();
      throw new MailError('Temp', `mailbox ${name}: index does not match mailboxes.db; run reconstruct`);
    }
    try {
      // The records' \Seen bits are the owner's (seen-owner.ts): an index from before them, or
      // renamed into another user's hierarchy, hands them over once, before any snapshot of it.
      adoptSeenOwner(index, entry.uniqueId, ownerOf(entry.name), this.seen);
    } catch (err) {
      index.close();
      throw err instanceof MailError ? err : new MailError('Temp', `mailbox ${name}: seen state handover failed: ${(err as Error).message}`);
    }
    const mailbox = new Mailbox(entry.name, entry.uniqueId, entry.partition, dir, index, this.context);
    this.handles.set(name, mailbox);
    return mailbox;
  }

  subscriptions(userid: string): string[] {
    return this.subscriptionStore.list(userid);
  }

  subscribe(userid: string, name: string): void {
    this.checkName(name);
    this.refuseIfUserMoving(userid);
    this.subscriptionStore.subscribe(userid, name);
  }

  unsubscribe(userid: string, name: string): boolean {
    this.refuseIfUserMoving(userid);
    return this.subscriptionStore.unsubscribe(userid, name);
  }

  // ---- XFER: moving mailboxes and users between Murder backends (xfer-ledger.ts, xfer-source.ts, xfer-target.ts) ----

  /** InUse while an XFER moves `name` away (its entry, annotations and quota root stay as they are). */
  private refuseIfMoving(name: string): void {
    if (this.mailboxes.xfers.anyMoves() && this.mailboxes.xfers.moveOf(name) !== null) throw movingError();
  }

  /** InUse while an XFER moves `userid` away whole (subscriptions, new folders). */
  private refuseIfUserMoving(userid: string): void {
    if (this.mailboxes.xfers.anyMoves() && this.mailboxes.xfers.userMoving(userid)) throw movingError();
  }

  /** InUse when `name` would be a folder of a user an XFER moves away whole. */
  private refuseIfOwnerMoving(name: string): void {
    const owner = ownerOf(name);
    if (owner !== null) this.refuseIfUserMoving(owner);
  }

  private xferContext(): XferSourceContext & XferTargetContext {
    const config = this.options.config;
    return {
      list: this.mailboxes,
      durable: this.durable,
      logger: this.logger,
      seen: this.seen,
      annotations: this.annotations,
      quotas: this.quotas,
      subscriptions: this.subscriptionStore,
      sieve: this.sieveScripts,
      servername: this.murderBackend ?? config.string('servername') ?? hostname(),
      lookup: (name) => this.lookup(name),
      checkName: (name) => this.checkName(name),
      partitions: () => new Set(config.partitions().keys()),
      choosePartition: (name, explicit) => this.choosePartition(name, explicit),
      partitionRoot: (partition) => this.partitionRoot(partition),
      directoryOf: (name, partition) => this.directoryOf(name, partition),
      creationLockFile: (uniqueId) => this.creationLockFile(uniqueId),
      isStaleReservation: (entry) => this.isStaleReservation(entry),
      checkDirectoryFree: (dir, name, replaceable) => this.checkDirectoryFree(dir, name, replaceable),
      rewriteHeader: (name) => this.rewriteHeader(name),
      relocateContext: () => this.relocateContext(),
      forgetHandle: (name) => this.forgetHandle(name),
      settleSeenOwner: (entry) => this.openMailbox(entry.name).close(),
      changed: (name) => this.changed(name),
      workDirectory: (xferId) => join(config.configDirectory, 'xfer', xferId),
    };
  }

  /** Source: start moving `plan.names` away (recorded, then frozen); the entries. */
  xferBegin(plan: XferBeginPlan): MailboxEntry[] {
    return beginXfer(this.xferContext(), plan);
  }

  /** Source: a frozen mailbox of the move, ready to send. */
  xferExport(name: string, xferId: string): XferMailboxExport {
    return exportMailbox(this.xferContext(), name, xferId);
  }

  /** Source: a user's subscriptions and Sieve scripts, as they are now. */
  xferExportUser(userid: string): XferUserState {
    return exportUser(this.xferContext(), userid);
  }

  /** Source: the mailboxes of a move under way (none: it ended). */
  xferMoves(xferId: string): XferMove[] {
    return this.mailboxes.xfers.moves(xferId);
  }

  /** Source: the move `name` is part of, or null. */
  xferMoveOf(name: string): XferMove | null {
    return this.mailboxes.xfers.anyMoves() ? this.mailboxes.xfers.moveOf(name) : null;
  }

  /** Source: the move goes on to `phase` if `holder` still runs it (false: another process took it over). */
  xferSetPhase(xferId: string, phase: XferPhase, holder: string): boolean {
    return this.mailboxes.xfers.setPhase(xferId, phase, holder);
  }

  /** Source: keep the move's lease (false: another process took the move over). */
  xferRenew(xferId: string, holder: string, leaseMs: number): boolean {
    return this.mailboxes.xfers.renew(xferId, holder, leaseMs);
  }

  /** Source: moves whose runner died or stopped renewing (the recovery's work), and taking one over. */
  xferOrphans(): string[] {
    return this.mailboxes.xfers.anyMoves() ? this.mailboxes.xfers.orphans() : [];
  }

  xferAdopt(xferId: string, holder: string, leaseMs: number): boolean {
    return this.mailboxes.xfers.adopt(xferId, holder, leaseMs);
  }

  /** Source: give the move up; the mailboxes are whole and writable here again. */
  xferAbort(xferId: string): void {
    abortXfer(this.xferContext(), xferId);
  }

  /** Source: the target has the move and the master says so: remove the copies here; their names. */
  xferFinish(xferId: string): string[] {
    return finishXfer(this.xferContext(), xferId);
  }

  /** Target: a staging for a move arriving (commit or discard it). */
  xferStage(xferId: string): XferStaging {
    return new XferStaging(this.xferContext(), xferId);
  }

  /**
   * Target: how a move ended here, asked by its source after a crash; a move not committed is
   * recorded as given up, so that its commit, should it still arrive, is refused.
   */
  xferOutcome(xferId: string): 'committed' | 'aborted' {
    return this.mailboxes.xfers.settleQuestion(xferId);
  }

  /** Target: finish commits a crash interrupted (headers, thaw); their ids. */
  xferSettlePending(): string[] {
    // The recovery asks every few seconds: nothing pending costs one indexed read, no context.
    if (this.mailboxes.xfers.unsettled().length === 0) return [];
    return settlePendingXfers(this.xferContext());
  }
}

/** A change refused while an XFER moves the mailbox or user away. */
function movingError(): MailError {
  return new MailError('InUse', 'Mailbox is being moved to another server; try again later', { moving: true });
}
