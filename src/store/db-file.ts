/**
 * Our databases as cyr_dbtool sees them: one SQLite file named on the command line, told apart by
 * the tables it holds, read as Cyrus's key/value records (key TAB value, one a line) and, for the
 * few whose records are plain key/value, written through the class that owns the file.
 *
 * Reading opens the file read-only and reads in one read transaction (WAL: the running server
 * writes on meanwhile, and no lock of ours makes it wait). Each kind's key and value text:
 *
 *   mailboxes.db     I<uniqueid>  %(T e N <name> P <partition> V <uidvalidity> C <createdmodseq> F <foldermodseq> A %(<id> <rights> ...))
 *                    N<name>      %(T e I <uniqueid> P ... )   (Cyrus 3.6's two records; T: e, then d deleted, r remote, z reserved; S <server> when remote)
 *   user_deny.db     <userid>     2 TAB <services> TAB <message>   (Cyrus's version-2 record)
 *   deliver.db       <message-id> SP <mailbox>        <delivered, seconds>[ pending]
 *                    <action-key> SP *sieve:<userid>  <in force until, seconds>   (a Sieve action: vacation, redirect)
 *   subscriptions.db <userid> SP <mailbox>           (empty)
 *   seen.db          <userid> SP <mailbox uniqueid>  <last change, seconds> SP <seen UIDs>
 *   quotas.db        <root>       STORAGE <used bytes> <limit KiB> MESSAGE <used> <limit> X-NUM-FOLDERS <used> <limit>   (-1: no limit)
 *   annotations.db   <mailbox uniqueid><entry>[ SP <userid>]   <value>   (no uniqueid: the server's; a userid: a /private entry)
 *
 * Names are internal ("user.fred.Sent"). Writes (set, delete) are db-writer.ts's.
 */
import { basename } from 'node:path';
import { existsSync } from 'node:fs';
import { MailError } from '../common/errors.js';
import { openDb, readTransaction, sqliteError, type Db } from '../common/sqlite.js';
import type { Row as ListRow } from './mailbox-list.js';
import type { RootRow } from './quotas.js';

export type DbKind = 'mailboxes' | 'user_deny' | 'deliver' | 'subscriptions' | 'seen' | 'quotas' | 'annotations';

interface KindInfo {
  /** The table that tells the kind. */
  table: string;
  /** The file's usual name (what -n creates). */
  file: string;
  /** Why set and delete are refused; null: they are taken. */
  readOnly: string | null;
}

export const DB_KINDS: Record<DbKind, KindInfo> = {
  mailboxes: {
    table: 'mailboxes', file: 'mailboxes.db',
    readOnly: 'a mailbox is more than its row (directory, index, quota, Murder): use cyradm, ctl_mboxlist -u or reconstruct',
  },
  user_deny: { table: 'denied', file: 'user_deny.db', readOnly: null },
  deliver: { table: 'deliveries', file: 'deliver.db', readOnly: null },
  subscriptions: { table: 'subscriptions', file: 'subscriptions.db', readOnly: null },
  seen: { table: 'seen', file: 'seen.db', readOnly: 'a \\Seen change must move the mailbox\'s modseq: use IMAP STORE, cyr_userseen or arbitron -p' },
  quotas: { table: 'roots', file: 'quotas.db', readOnly: 'usage is charged by the mailboxes themselves: set limits with cyradm setquota, recount with quota -f' },
  annotations: { table: 'annotations', file: 'annotations.db', readOnly: 'values are checked and written by METADATA: use cyradm mboxconfig or IMAP SETMETADATA' },
};

/** Our other SQLite files, by a table that tells them, and why cyr_dbtool leaves them alone. */
const REFUSED: ReadonlyArray<[string, string]> = [
  ['scram', 'the password store (saslpasswd): it holds secrets'],
  ['access_keys', 'mboxkey.db: it holds URLAUTH secrets'],
  ['messages', 'a mailbox index: use mbexamine, reconstruct'],
  ['last_login', 'pop3.db (POP3 logins and maildrop locks): not a Cyrus database'],
  ['login_penalty', 'logins.db (failed-login counts): not a Cyrus database'],
];

/** The Sieve action rows' mailbox column in deliver.db (duplicates.ts) and its form in keys. */
const SIEVE_OWNER = '\u0001sieve\u0001';
export const SIEVE_KEY = '*sieve:';

/** The kind whose usual file name is `file`'s (for -n), or null. */
export function kindByFileName(file: string): DbKind | null {
  const name = basename(file);
  return (Object.keys(DB_KINDS) as DbKind[]).find((k) => DB_KINDS[k].file === name) ?? null;
}

/** A key or value as one line of text: control characters (a value's tabs excepted) and "\" as \xNN. */
export function escapeText(text: string, keepTabs: boolean): string {
  return text.replace(keepTabs ? /[\x00-\x08\x0a-\x1f\x7f\\]/g : /[\x00-\x1f\x7f\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** escapeText undone: each \xNN is that character. */
export function unescapeText(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** A dlist atom as Cyrus prints it: bare when it can be, else quoted. */
function atom(text: string): string {
  return /^[A-Za-z0-9_.!@$^+\-:/#&'*,;=?~[\]|<>]+$/.test(text) ? text : `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** Cyrus ACL text (id TAB rights TAB ...) as a dlist kvlist. */
function aclList(acl: string): string {
  const fields = acl.split('\t');
  const pairs: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] !== '') pairs.push(`${atom(fields[i]!)} ${atom(fields[i + 1]!)}`);
  return `%(${pairs.join(' ')})`;
}

type MailboxRow = Pick<ListRow, 'name' | 'uniqueid' | 'partition' | 'acl' | 'type' | 'server' | 'created_modseq' | 'modified_modseq' | 'uidvalidity'>;

/** mailbox-list.ts's type bits as Cyrus's type letters. */
function typeLetters(bits: number): string {
  return `e${bits & 2 ? 'd' : ''}${bits & 4 ? 'r' : ''}${bits & 1 ? 'z' : ''}`;
}

/** One mailboxes.db record: the I (by uniqueid) or N (by name) form. */
function mailboxValue(row: MailboxRow, by: 'I' | 'N'): string {
  const parts = ['T', typeLetters(row.type), ...(by === 'I' ? ['N', atom(row.name)] : ['I', atom(row.uniqueid)]), 'P', atom(row.partition)];
  if (row.server !== null) parts.push('S', atom(row.server));
  parts.push('V', String(row.uidvalidity), 'C', String(row.created_modseq), 'F', String(row.modified_modseq), 'A', aclList(row.acl));
  return `%(${parts.join(' ')})`;
}

/** Milliseconds as whole seconds. */
const seconds = (ms: number): string => String(Math.floor(ms / 1000));

/** A quota limit as text (-1: none). */
const limit = (value: number | null): string => (value === null ? '-1' : String(value));

/** An annotation value: its text when it is UTF-8, else its bytes one character each. */
function valueText(value: Buffer): string {
  const text = value.toString('utf8');
  return Buffer.from(text, 'utf8').equals(value) ? text : value.toString('latin1');
}

/** `key` split at its first (or last) space; null without one. */
export function splitKey(key: string, at: 'first' | 'last'): [string, string] | null {
  const i = at === 'first' ? key.indexOf(' ') : key.lastIndexOf(' ');
  return i <= 0 || i === key.length - 1 ? null : [key.slice(0, i), key.slice(i + 1)];
}

type Emit = (key: string, value: string) => void;

/** A database file opened read-only for show, get, consistent. */
export class DbFile {
  private constructor(
    readonly file: string,
    readonly kind: DbKind,
    private readonly db: Db,
  ) {}

  /**
   * Open `file` read-only and tell its kind. MailError NotFound: no such file; Invalid: not an
   * SQLite database, or not one of the kinds here (the message says what it is when we know).
   */
  static open(file: string): DbFile {
    if (!existsSync(file)) throw new MailError('NotFound', `${file}: no such database file`);
    let db: Db;
    try {
      db = openDb(file, { durable: false, readonly: true, cacheKiB: 1024 });
    } catch (err) {
      throw notOurs(file, err);
    }
    try {
      const tables = new Set(readTransaction(db, file, () => db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()));
      const kind = (Object.keys(DB_KINDS) as DbKind[]).find((k) => tables.has(DB_KINDS[k].table));
      if (kind !== undefined) return new DbFile(file, kind, db);
      const refused = REFUSED.find(([table]) => tables.has(table));
      throw new MailError('Invalid', refused ? `${file} is ${refused[1]}` : `${file} is an SQLite database but none of ours that cyr_dbtool knows`);
    } catch (err) {
      db.close();
      throw err instanceof MailError ? err : notOurs(file, err);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Every record whose key starts with `prefix` (raw text: the caller escapes), in one read transaction. */
  show(prefix: string, emit: Emit): void {
    const filtered: Emit = (key, value) => {
      if (key.startsWith(prefix)) emit(key, value);
    };
    this.reading(() => this.records(filtered));
  }

  /** The value of `key`, or null. */
  get(key: string): string | null {
    return this.reading(() => this.lookup(key));
  }

  /** SQLite's quick_check of the file: the problems found (none: consistent). */
  problems(): string[] {
    try {
      const rows = this.reading(() => this.db.prepare<[], string>('PRAGMA quick_check').pluck().all());
      return rows.length === 1 && rows[0] === 'ok' ? [] : rows;
    } catch (err) {
      // A file too damaged for the check to go through is not consistent either.
      if (err instanceof MailError && err.detail?.damaged === true) return [String(err.detail.reason)];
      throw err;
    }
  }

  /** `read` in one read transaction; a file whose tables are not as ours (another version) is MailError Invalid. */
  private reading<T>(read: () => T): T {
    try {
      return readTransaction(this.db, `${this.file} read`, read);
    } catch (err) {
      const code = err instanceof MailError ? err.detail?.code : (err as { code?: string }).code;
      if (typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code)) {
        const reason = `the database is damaged (${code})`;
        throw new MailError('Invalid', `${this.file}: ${reason}`, { damaged: true, reason });
      }
      if (err instanceof MailError) throw err;
      throw new MailError('Invalid', `${this.file}: cannot be read as ${DB_KINDS[this.kind].file}: ${(err as Error).message}`);
    }
  }

  private rows<T>(sql: string, ...params: unknown[]): IterableIterator<T> {
    return this.db.prepare(sql).iterate(...params) as IterableIterator<T>;
  }

  private records(emit: Emit): void {
    switch (this.kind) {
      case 'mailboxes': {
        const columns = 'name, uniqueid, partition, acl, type, server, created_modseq, modified_modseq, uidvalidity';
        for (const r of this.rows<MailboxRow>(`SELECT ${columns} FROM mailboxes ORDER BY uniqueid, name`)) emit(`I${r.uniqueid}`, mailboxValue(r, 'I'));
        for (const r of this.rows<MailboxRow>(`SELECT ${columns} FROM mailboxes ORDER BY name`)) emit(`N${r.name}`, mailboxValue(r, 'N'));
        return;
      }
      case 'user_deny':
        for (const r of this.rows<{ userid: string; services: string; message: string | null }>('SELECT userid, services, message FROM denied ORDER BY userid')) {
          emit(r.userid, `2\t${r.services}\t${r.message ?? ''}`);
        }
        return;
      case 'deliver':
        for (const r of this.rows<{ message_id: string; mailbox: string; delivered_at: number; pending: number }>('SELECT message_id, mailbox, delivered_at, pending FROM deliveries ORDER BY message_id, mailbox')) {
          emit(deliverKey(r.message_id, r.mailbox), deliverValue(r));
        }
        return;
      case 'subscriptions':
        for (const r of this.rows<{ userid: string; mailbox: string }>('SELECT userid, mailbox FROM subscriptions ORDER BY userid, mailbox')) emit(`${r.userid} ${r.mailbox}`, '');
        return;
      case 'seen':
        for (const r of this.rows<{ userid: string; uniqueid: string; uids: string; changed: number }>('SELECT userid, uniqueid, uids, changed FROM seen ORDER BY userid, uniqueid')) {
          emit(`${r.userid} ${r.uniqueid}`, `${seconds(r.changed)} ${r.uids}`);
        }
        return;
      case 'quotas':
        for (const r of this.rows<QuotaRow>(`SELECT ${QUOTA_COLUMNS} FROM roots ORDER BY root`)) emit(r.root, quotaValue(r));
        return;
      case 'annotations':
        for (const r of this.rows<{ mailbox: string; entry: string; userid: string; value: Buffer }>('SELECT mailbox, entry, userid, value FROM annotations ORDER BY mailbox, entry, userid')) {
          emit(`${r.mailbox}${r.entry}${r.userid === '' ? '' : ` ${r.userid}`}`, valueText(r.value));
        }
        return;
    }
  }

  private one<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.db.prepare(sql).get(...params) as T | undefined;
  }

  private lookup(key: string): string | null {
    switch (this.kind) {
      case 'mailboxes': {
        const columns = 'name, uniqueid, partition, acl, type, server, created_modseq, modified_modseq, uidvalidity';
        const by = key[0];
        if (by !== 'I' && by !== 'N') return null;
        const row = this.one<MailboxRow>(`SELECT ${columns} FROM mailboxes WHERE ${by === 'I' ? 'uniqueid' : 'name'} = ? ORDER BY name LIMIT 1`, key.slice(1));
        return row ? mailboxValue(row, by) : null;
      }
      case 'user_deny': {
        const row = this.one<{ services: string; message: string | null }>('SELECT services, message FROM denied WHERE userid = ?', key);
        return row ? `2\t${row.services}\t${row.message ?? ''}` : null;
      }
      case 'deliver': {
        const parsed = parseDeliverKey(key);
        if (parsed === null) return null;
        const row = this.one<{ delivered_at: number; pending: number }>('SELECT delivered_at, pending FROM deliveries WHERE message_id = ? AND mailbox = ?', parsed.messageId, parsed.mailbox);
        return row ? deliverValue(row) : null;
      }
      case 'subscriptions': {
        const parts = splitKey(key, 'first');
        return parts && this.one('SELECT 1 FROM subscriptions WHERE userid = ? AND mailbox = ?', ...parts) ? '' : null;
      }
      case 'seen': {
        const parts = splitKey(key, 'last');
        const row = parts && this.one<{ uids: string; changed: number }>('SELECT uids, changed FROM seen WHERE userid = ? AND uniqueid = ?', ...parts);
        return row ? `${seconds(row.changed)} ${row.uids}` : null;
      }
      case 'quotas': {
        const row = this.one<QuotaRow>(`SELECT ${QUOTA_COLUMNS} FROM roots WHERE root = ?`, key);
        return row ? quotaValue(row) : null;
      }
      case 'annotations': {
        const slash = key.indexOf('/');
        if (slash < 0) return null;
        const [entry, userid] = splitKey(key.slice(slash), 'first') ?? [key.slice(slash), ''];
        const value = this.one<{ value: Buffer }>('SELECT value FROM annotations WHERE mailbox = ? AND entry = ? AND userid = ?', key.slice(0, slash), entry, userid);
        return value ? valueText(value.value) : null;
      }
    }
  }
}

/** An open failure as MailError: Invalid when the file is no SQLite database. */
function notOurs(file: string, err: unknown): MailError {
  const code = (err as { detail?: { code?: string }; code?: string }).detail?.code ?? (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB') return new MailError('Invalid', `${file} is not an SQLite database (every database here is SQLite; a Cyrus skiplist, twoskip or flat file cannot be read)`);
  const mapped = sqliteError(err, file);
  return mapped instanceof MailError ? mapped : new MailError('Temp', `${file}: ${(err as Error).message}`);
}

const QUOTA_COLUMNS = 'root, storage_limit, message_limit, mailbox_limit, storage_used, message_used, mailbox_used';

type QuotaRow = Pick<RootRow, 'root' | 'storage_limit' | 'message_limit' | 'mailbox_limit' | 'storage_used' | 'message_used' | 'mailbox_used'>;

function quotaValue(r: QuotaRow): string {
  return `STORAGE ${r.storage_used} ${limit(r.storage_limit)} MESSAGE ${r.message_used} ${limit(r.message_limit)} X-NUM-FOLDERS ${r.mailbox_used} ${limit(r.mailbox_limit)}`;
}

function deliverKey(messageId: string, mailbox: string): string {
  return `${messageId} ${mailbox.startsWith(SIEVE_OWNER) ? `${SIEVE_KEY}${mailbox.slice(SIEVE_OWNER.length)}` : mailbox}`;
}

function deliverValue(r: { delivered_at: number; pending: number }): string {
  return `${seconds(r.delivered_at)}${r.pending === 1 ? ' pending' : ''}`;
}

/** A deliver.db key: a delivery (message-id, mailbox) or a Sieve action (key, userid); null when malformed. */
export function parseDeliverKey(key: string): { messageId: string; mailbox: string; sieveUser: string | null } | null {
  const parts = splitKey(key, 'first');
  if (parts === null) return null;
  const [messageId, rest] = parts;
  if (rest.startsWith(SIEVE_KEY)) {
    const userid = rest.slice(SIEVE_KEY.length);
    return userid === '' ? null : { messageId, mailbox: `${SIEVE_OWNER}${userid}`, sieveUser: userid };
  }
  return { messageId, mailbox: rest, sieveUser: null };
}
