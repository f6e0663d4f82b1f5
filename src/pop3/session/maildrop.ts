/**
 * The maildrop of one TRANSACTION state (RFC 1939): the messages the mailbox held when the session
 * logged in, numbered 1..n for the life of the session, with the session's own deletion marks.
 * Nothing is changed before UPDATE (QUIT): a dropped connection deletes nothing. Several sessions
 * may hold one maildrop (unless poplockmaildrop): each works on its own list; a message another
 * session or an IMAP client removed meanwhile answers -ERR on RETR, and its deletion at QUIT is
 * no error (a forced expunge of UIDs skips the ones already gone, so nothing goes twice).
 */
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import type { Rights } from '../../acl/index.js';
import type { Identity } from '../../auth/index.js';
import { MailError } from '../../common/index.js';
import { FLAG_DELETED, type Mailbox } from '../../mailbox/index.js';
import type { Pop3Deps } from '../deps.js';
import { Pop3Error } from '../error-map.js';
import { formatUidl } from '../wire/uidl.js';

const NO_SUCH_MESSAGE = 'No such message';

export class Maildrop {
  private released = false;
  /** Per message: marked by DELE (until RSET). */
  private readonly deleted: Uint8Array;
  /** Per message: sent by RETR (gets \Seen at QUIT under popuseimapflags). */
  private readonly retrieved: Uint8Array;

  private constructor(
    private readonly deps: Pop3Deps,
    private readonly identity: Identity,
    private readonly mailbox: Mailbox,
    readonly uniqueId: string,
    /** The maildrop lock's holder, or null when poplockmaildrop is off. */
    private readonly lockHolder: string | null,
    private readonly rights: Rights | null,
    readonly uidValidity: number,
    private readonly uids: Uint32Array,
    private readonly sizes: Float64Array,
  ) {
    this.deleted = new Uint8Array(uids.length);
    this.retrieved = new Uint8Array(uids.length);
  }

  /**
   * Open the maildrop of `identity` (its INBOX, or `subfolder` of it under popsubfolders): check
   * the r right (popuseacl), take the lock (poplockmaildrop), admit the login (popminpoll), and
   * take the list of messages. MailErrors: NotFound, NoPerm, InUse, Limit (login delay), Temp.
   */
  static open(deps: Pop3Deps, identity: Identity, subfolder: string | null, sessionId: string): Maildrop {
    const { settings } = deps;
    const name = maildropName(deps, identity, subfolder);
    const entry = deps.store.lookup(name);
    if (!entry) throw new MailError('NotFound', `no maildrop ${name}`);
    const rights = settings.useAcl ? deps.rights.requireRights(identity, entry, 'r') : null;
    const holder = settings.lockMaildrop ? `${process.pid}:${sessionId}` : null;
    if (holder) deps.maildrops.lock(entry.uniqueId, holder);
    try {
      deps.maildrops.admitLogin(entry.uniqueId, Math.floor(Date.now() / 1000), { minPollSeconds: settings.minPollSeconds, padding: settings.pollPadding });
      const mailbox = deps.store.openMailbox(name);
      try {
        const snapshot = mailbox.snapshot(identity.userid);
        let uids = snapshot.uids;
        let sizes = snapshot.sizes;
        // Hidden: \Deleted messages under popuseimapflags, and those that arrived before the
        // mailbox's pop3showafter annotation (Cyrus's meaning: by internal date).
        const showAfter = deps.store.pop3ShowAfter(name);
        if (settings.useImapFlags || showAfter !== null) {
          const keep: number[] = [];
          for (let i = 0; i < snapshot.count; i++) {
            if (settings.useImapFlags && (snapshot.systemFlags[i]! & FLAG_DELETED) !== 0) continue;
            if (showAfter !== null && snapshot.internalDates[i]! <= showAfter) continue;
            keep.push(i);
          }
          if (keep.length < snapshot.count) {
            uids = Uint32Array.from(keep, (i) => snapshot.uids[i]!);
            sizes = Float64Array.from(keep, (i) => snapshot.sizes[i]!);
          }
        }
        if (settings.useImapFlags) mailbox.claimRecent();
        return new Maildrop(deps, identity, mailbox, entry.uniqueId, holder, rights, snapshot.uidValidity, uids, sizes);
      } catch (err) {
        mailbox.close();
        throw err;
      }
    } catch (err) {
      if (holder) deps.maildrops.unlock(entry.uniqueId, holder);
      throw err;
    }
  }

  get mailboxName(): string {
    return this.mailbox.name;
  }

  /** Messages in the list (deleted ones included: numbers never shift). */
  get count(): number {
    return this.uids.length;
  }

  /** The 0-based index of message number `msgno`, or -ERR when there is none or it is marked deleted. */
  index(msgno: number): number {
    if (msgno < 1 || msgno > this.uids.length || this.deleted[msgno - 1]) throw new Pop3Error(null, NO_SUCH_MESSAGE);
    return msgno - 1;
  }

  isDeleted(index: number): boolean {
    return this.deleted[index] === 1;
  }

  size(index: number): number {
    return this.sizes[index]!;
  }

  uidl(index: number): string {
    return formatUidl(this.deps.settings.uidlFormat, this.uidValidity, this.uids[index]!);
  }

  /** STAT: messages not marked deleted and their octets. */
  stat(): { messages: number; octets: number } {
    let messages = 0;
    let octets = 0;
    for (let i = 0; i < this.uids.length; i++) {
      if (this.deleted[i]) continue;
      messages++;
      octets += this.sizes[i]!;
    }
    return { messages, octets };
  }

  /** DELE (the t right under popuseacl). */
  markDeleted(index: number): void {
    if (this.rights && !this.rights.has('t')) throw new MailError('NoPerm', 'no t right on the maildrop');
    this.deleted[index] = 1;
  }

  markRetrieved(index: number): void {
    this.retrieved[index] = 1;
  }

  /** RSET: unmark every deletion (and, as Cyrus, every retrieval). */
  reset(): void {
    this.deleted.fill(0);
    this.retrieved.fill(0);
  }

  /**
   * The stored bytes of a message, opened: -ERR when another session or an IMAP client has removed
   * it since login (its index record is gone, or its file).
   */
  async openMessage(index: number): Promise<Readable> {
    const uid = this.uids[index]!;
    if (this.mailbox.records([uid]).length === 0) throw new Pop3Error(null, NO_SUCH_MESSAGE);
    const stream = this.mailbox.readStream(uid);
    try {
      await once(stream, 'open');
    } catch (err) {
      stream.destroy();
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Pop3Error(null, NO_SUCH_MESSAGE);
      throw new MailError('Temp', `cannot read message ${uid}: ${(err as Error).message}`);
    }
    return stream;
  }

  /**
   * UPDATE (RFC 1939 section 6): \Seen for what was retrieved (popuseimapflags, and the s right
   * under popuseacl), then the marked messages leave the mailbox. Messages already gone are
   * skipped. Returns how many were removed.
   */
  update(): number {
    const { settings } = this.deps;
    const deleted: number[] = [];
    const seen: number[] = [];
    for (let i = 0; i < this.uids.length; i++) {
      if (this.deleted[i]) deleted.push(this.uids[i]!);
      else if (this.retrieved[i]) seen.push(this.uids[i]!);
    }
    if (settings.useImapFlags && seen.length > 0 && (!this.rights || this.rights.has('s'))) {
      this.mailbox.setFlags(seen, 'add', ['\\Seen'], { userid: this.identity.userid });
    }
    return deleted.length === 0 ? 0 : this.mailbox.expunge({ uids: deleted, force: true }).length;
  }

  /** Give back the mailbox and the lock; the session's marks are forgotten. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.mailbox.close();
    if (this.lockHolder) {
      try {
        this.deps.maildrops.unlock(this.uniqueId, this.lockHolder);
      } catch (err) {
        this.deps.logger.warn({ err, mailbox: this.mailbox.name }, 'cannot release the POP3 maildrop lock');
      }
    }
  }
}

/**
 * The internal name of the maildrop: the user's INBOX, or with popsubfolders the folder named
 * after "+" in the login (as a name below INBOX in the user's namespace). A name that leaves the
 * user's own hierarchy is NotFound.
 */
function maildropName(deps: Pop3Deps, identity: Identity, subfolder: string | null): string {
  const inbox = deps.namespace.inboxOf(identity);
  if (!inbox) throw new MailError('NotFound', 'this identity has no maildrop');
  if (subfolder === null) return inbox;
  const ns = deps.namespace;
  const external = ns.isAlt(identity) ? subfolder : `INBOX${ns.separator}${subfolder}`;
  const name = ns.toInternal(external, identity);
  if (!name.startsWith(`${inbox}.`)) throw new MailError('NotFound', `no maildrop ${subfolder}`);
  return name;
}
