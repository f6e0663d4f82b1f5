/**
 * cyr_dbtool's set and delete: taken only by the databases whose records are plain key/value
 * (user_deny.db, deliver.db, subscriptions.db), made through the class that owns each (the same
 * calls cyr_deny, lmtpd and SUBSCRIBE make); the others refuse and say which tool keeps the
 * server's state whole (db-file.ts's DB_KINDS). Key and value text as db-file.ts reads them.
 */
import { MailError } from '../common/errors.js';
import { openDb, sqliteError } from '../common/sqlite.js';
import { checkMailboxName } from '../names/index.js';
import { DB_KINDS, SIEVE_KEY, parseDeliverKey, splitKey, type DbKind } from './db-file.js';
import { DuplicateStore } from './duplicates.js';
import { SubscriptionStore } from './subscriptions.js';
import { UserDenyList } from './user-deny.js';

/** What a writer needs from the tool: durability, and the name rules of imapd.conf. */
export interface DbWriterOptions {
  durable: boolean;
  /** maxmailboxnamelength. */
  maxNameLength: number;
  /** A userid as stored (username_tolower, domains), or null when it is no valid userid. */
  canonicalUserid(userid: string): string | null;
}

/**
 * set and delete on a database that takes them, checked first and made after: a batch (cyr_dbtool
 * reading keys from stdin) with one bad record changes nothing. A check that fails is MailError
 * Invalid or BadName.
 */
export interface DbWriter {
  /** The checked change: run it to write. */
  prepareSet(key: string, value: string): () => void;
  /** The checked removal: run it to remove (whether there was such a record). */
  prepareDelete(key: string): () => boolean;
  close(): void;
}

const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * A writer on `file` of `kind` (made when missing: cyr_dbtool -n), through the class that owns
 * such a database; MailError Cannot for a kind that refuses writes (the message says why).
 */
export function openDbWriter(kind: DbKind, file: string, opts: DbWriterOptions): DbWriter {
  const refusal = DB_KINDS[kind].readOnly;
  if (refusal !== null) throw new MailError('Cannot', `${DB_KINDS[kind].file} takes no set or delete here: ${refusal}`);
  const userid = (text: string): string => {
    const canonical = text === '' || CONTROL.test(text) || text.includes(' ') ? null : opts.canonicalUserid(text);
    if (canonical === null) throw new MailError('Invalid', `not a valid userid: ${JSON.stringify(text)}`);
    return canonical;
  };
  const mailbox = (name: string): string => {
    checkMailboxName(name, opts.maxNameLength);
    return name;
  };
  switch (kind) {
    case 'user_deny': {
      const list = UserDenyList.open(file, { durable: opts.durable, create: true })!;
      return {
        prepareSet(key, value) {
          const m = /^2\t([^\t]+)(?:\t([^\t]*))?$/.exec(value);
          if (m === null || m[1]!.trim() === '' || CONTROL.test(value.replaceAll('\t', ''))) {
            throw new MailError('Invalid', 'a user_deny.db value is "2<TAB>services<TAB>message": version 2, comma-separated service patterns, one line of text');
          }
          const user = userid(key);
          const message = m[2]?.trim() ? m[2].trim() : null;
          return () => list.deny(user, m[1]!.trim(), message);
        },
        prepareDelete(key) {
          const user = userid(key);
          return () => list.allow(user);
        },
        close: () => list.close(),
      };
    }
    case 'deliver': {
      const store = DuplicateStore.open(file, { durable: opts.durable });
      const parse = (key: string) => {
        const parsed = parseDeliverKey(key);
        if (parsed === null || CONTROL.test(key)) throw new MailError('Invalid', `a deliver.db key is "<message-id> <mailbox>" or "<action-key> ${SIEVE_KEY}<userid>", not ${JSON.stringify(key)}`);
        return parsed.sieveUser === null
          ? { action: null, messageId: parsed.messageId, mailbox: mailbox(parsed.mailbox) }
          : { action: { userid: userid(parsed.sieveUser), key: parsed.messageId }, messageId: parsed.messageId, mailbox: parsed.mailbox };
      };
      return {
        prepareSet(key, value) {
          const parsed = parse(key);
          if (!/^\d{1,12}$/.test(value)) throw new MailError('Invalid', 'a deliver.db value is a time in seconds since the epoch');
          const at = Number(value) * 1000;
          const action = parsed.action;
          return action !== null ? () => store.recordAction(action.userid, action.key, at) : () => store.recordDelivery(parsed.messageId, parsed.mailbox, at);
        },
        prepareDelete(key) {
          const parsed = parse(key);
          const action = parsed.action;
          return action !== null ? () => store.forgetAction(action.userid, action.key) : () => store.forgetDelivery(parsed.messageId, parsed.mailbox);
        },
        close: () => store.close(),
      };
    }
    case 'subscriptions': {
      const store = new SubscriptionStore(file, opts.durable);
      const parse = (key: string): [string, string] => {
        const parts = splitKey(key, 'first');
        if (parts === null) throw new MailError('Invalid', `a subscriptions.db key is "<userid> <mailbox>", not ${JSON.stringify(key)}`);
        return [userid(parts[0]), mailbox(parts[1])];
      };
      return {
        prepareSet(key, value) {
          const [user, name] = parse(key);
          if (value !== '') throw new MailError('Invalid', 'a subscriptions.db record has no value');
          return () => store.subscribe(user, name);
        },
        prepareDelete(key) {
          const [user, name] = parse(key);
          return () => store.unsubscribe(user, name);
        },
        close: () => store.close(),
      };
    }
    default:
      throw new MailError('Cannot', `${DB_KINDS[kind].file} takes no set or delete here`);
  }
}

/**
 * cyr_dbtool repack: a checkpoint of the file's write-ahead log into the database (PASSIVE: it
 * waits for nobody and stops where a reader still needs the log). VACUUM is not run: it would
 * hold every writer of the running server off while it rewrites the file.
 */
export function checkpointDbFile(file: string): { logPages: number; checkpointed: number } {
  const db = openDb(file, { durable: false, cacheKiB: 256 });
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    return { logPages: row?.log ?? 0, checkpointed: row?.checkpointed ?? 0 };
  } catch (err) {
    throw sqliteError(err, `${file} checkpoint`);
  } finally {
    db.close();
  }
}
