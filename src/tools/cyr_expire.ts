import { InvalidArgumentError, type Command } from 'commander';
import { isMailError } from '../common/errors.js';
import type { ChangeNotifier } from '../store/mail-store.js';
import { DuplicateStore } from '../store/index.js';
import { EXIT_TEMPFAIL, openStoreForTool, type Writer } from '../store/tool-support.js';
import { inboxNameOf, isWithin } from '../names/index.js';
import { toolNames } from './mailbox-names.js';
import { runNotifying } from './notify.js';

const DAY_MS = 86_400_000;

export interface CyrExpireOptions {
  config: string;
  /** -E: prune the duplicate delivery database (deliver.db) of entries older than this many days. */
  expire?: number;
  /**
   * -X: unlink the files of messages expunged more than this many days ago (expunge_mode delayed)
   * and forget those expunged records (whose files are gone).
   */
  expunge?: number;
  /** -D: remove for good the DELETED.* mailboxes deleted more than this many days ago. */
  delete?: number;
  /** -n: report what would go, change nothing. */
  dryRun?: boolean;
  /** -v: one line per mailbox touched. */
  verbose?: boolean;
  /** -p: the mailbox passes (-X, expire annotations) only in this mailbox and below (a name as admins see it, e.g. user/fred, or internal). */
  prefix?: string;
  /** -u: the mailbox passes only in this user's mailboxes ("fred", "fred@example.com"). */
  user?: string;
  /** Now, in ms (tests). */
  now?: number;
  notifier?: ChangeNotifier;
}

export interface ExpireTotals {
  mailboxes: number;
  /** Messages expunged because of their mailbox's expire annotation. */
  messagesExpired: number;
  filesRemoved: number;
  recordsPruned: number;
  deletedMailboxes: number;
  duplicatesPruned: number;
}

/**
 * cyr_expire, the EVENTS cleanup job, with Cyrus 3.6's flags: -E prunes the duplicate delivery
 * database (deliver.db), -X unlinks the message files of delayed expunges and then forgets the
 * expunged records whose files are gone (keeping what QRESYNC reads bounded; never a record whose
 * file is still there: reconstruct would adopt the file again), -D removes DELETED.* mailboxes.
 * With -E or -X, a mailbox whose /vendor/cmu/cyrus-imapd/expire annotation (METADATA, set with
 * cyradm's `mboxcfg MAILBOX expire DAYS`) is a number of days above 0 loses the messages sent
 * longer ago than that: by their Date header (their internal date without one), flagged or not,
 * as Cyrus 3.6 does. The annotation applies to its own mailbox only: Cyrus's manual says children
 * inherit it, but Cyrus 3.6 expired nothing in a child of an annotated mailbox (tried on the peer),
 * and expiring more than it would deletes mail. The annotation also sets how long -E keeps that
 * mailbox's deliver.db records (0: for ever) in place of -E's duration.
 * Durations are days, or a number with a unit d, h, m or s. Returns the exit status.
 */
export function runCyrExpire(options: CyrExpireOptions, out: Writer, err: Writer): number {
  for (const [flag, value] of [['-E', options.expire], ['-X', options.expunge], ['-D', options.delete]] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      err(`cyr_expire: ${flag} needs a number of days (0 or more)\n`);
      return 64;
    }
  }
  if (options.expire === undefined && options.expunge === undefined && options.delete === undefined) {
    err('cyr_expire: nothing to do: give -E, -X and/or -D days\n');
    return 64;
  }
  const opened = openStoreForTool('cyr_expire', options.config, err, options.notifier);
  if (typeof opened === 'number') return opened;
  const { store } = opened;
  const dryRun = options.dryRun === true;
  const verbose = options.verbose === true || dryRun;
  const would = dryRun ? 'would remove' : 'removed';
  const now = options.now ?? Date.now();
  const totals: ExpireTotals = { mailboxes: 0, messagesExpired: 0, filesRemoved: 0, recordsPruned: 0, deletedMailboxes: 0, duplicatesPruned: 0 };
  let status = 0;
  try {
    // The mailboxes' expire annotations (uniqueid → days, 0 included), read once for both passes.
    const expireDays = options.expire !== undefined || options.expunge !== undefined ? store.annotations.expireDays() : new Map<string, number>();
    if (options.expire !== undefined) {
      const duplicates = DuplicateStore.fromConfig(opened.config);
      try {
        // A mailbox's expire annotation sets the age of its own records (0: kept), as in Cyrus.
        const perMailbox = new Map<string, number>();
        if (expireDays.size > 0) {
          for (const entry of store.mailboxes.all()) {
            const days = expireDays.get(entry.uniqueId);
            if (days !== undefined) perMailbox.set(entry.name, days * DAY_MS);
          }
        }
        totals.duplicatesPruned = duplicates.prune(options.expire * DAY_MS, { dryRun, perMailbox });
      } finally {
        duplicates.close();
      }
      if (verbose && totals.duplicatesPruned > 0) out(`deliver.db: ${dryRun ? 'would forget' : 'forgot'} ${totals.duplicatesPruned} duplicate delivery record(s)\n`);
    }
    if (options.expunge !== undefined || options.expire !== undefined) {
      const within = [options.prefix === undefined ? null : toolNames(opened.config, store).resolve(options.prefix), options.user === undefined ? null : inboxNameOf(options.user)];
      for (const entry of store.mailboxes.all()) {
        if (entry.type.length > 0) continue; // reserved, deleted or remote
        if (within.some((top) => top !== null && !isWithin(entry.name, top))) continue;
        // Messages expire only where the annotation is above 0 (0: keep everything).
        const days = expireDays.get(entry.uniqueId) || null;
        if (options.expunge === undefined && days === null) continue;
        totals.mailboxes++;
        let mailbox;
        try {
          mailbox = store.openMailbox(entry.name);
        } catch (e) {
          if (!isMailError(e)) throw e;
          err(`cyr_expire: ${entry.name}: ${e.message}\n`);
          status = EXIT_TEMPFAIL;
          continue;
        }
        try {
          let changed = false;
          if (days !== null) {
            const old = [...mailbox.fields.sentBefore(now - days * DAY_MS)];
            if (old.length > 0) {
              if (!dryRun) mailbox.expunge({ uids: old, force: true });
              totals.messagesExpired += old.length;
              changed = !dryRun;
              if (verbose) out(`${entry.name}: ${dryRun ? 'would expire' : 'expired'} ${old.length} message(s) sent more than ${days} day(s) ago (expire annotation)\n`);
            }
          }
          if (options.expunge !== undefined) {
            const files = mailbox.expireExpunged(options.expunge * DAY_MS, { dryRun });
            // A dry run counts only records whose files are gone already (not those it would unlink).
            const records = mailbox.pruneExpunged(options.expunge * DAY_MS, { dryRun });
            totals.filesRemoved += files.length;
            totals.recordsPruned += records.length;
            if (files.length > 0 && verbose) out(`${entry.name}: ${would} ${files.length} expunged message file(s)\n`);
            if (records.length > 0 && verbose) out(`${entry.name}: ${dryRun ? 'would forget' : 'forgot'} ${records.length} expunged record(s)\n`);
            changed ||= !dryRun && (files.length > 0 || records.length > 0);
          }
          if (changed) store.notifyChanged(entry.name);
        } catch (e) {
          if (!isMailError(e)) throw e;
          err(`cyr_expire: ${entry.name}: ${e.message}\n`);
          status = EXIT_TEMPFAIL;
        } finally {
          mailbox.close();
        }
      }
    }
    if (options.delete !== undefined) {
      const removed = store.deleteExpired(options.delete * DAY_MS, { dryRun });
      totals.deletedMailboxes = removed.length;
      if (verbose) for (const name of removed) out(`${name}: ${would} deleted mailbox\n`);
    }
    if (verbose) {
      out(`cyr_expire: ${dryRun ? 'would expire' : 'expired'} ${totals.messagesExpired} message(s); ${dryRun ? 'would remove' : 'removed'} ${totals.filesRemoved} message file(s) and ${totals.recordsPruned} expunged record(s) in ${totals.mailboxes} mailbox(es), ${totals.deletedMailboxes} deleted mailbox(es)\n`);
    }
  } catch (e) {
    if (!isMailError(e)) throw e;
    err(`cyr_expire: ${e.message}\n`);
    status = EXIT_TEMPFAIL;
  } finally {
    store.close();
  }
  return status;
}

const UNIT_DAYS: Record<string, number> = { d: 1, h: 1 / 24, m: 1 / 1440, s: 1 / 86_400 };

/** A Cyrus duration in days: "3" (days), "1.5d", "12h", "30m", "90s"; null when malformed. */
export function parseExpireDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([dhms]?)\s*$/i.exec(text);
  if (!m) return null;
  return Number(m[1]) * UNIT_DAYS[(m[2] || 'd').toLowerCase()]!;
}

const days = (flag: string) => (text: string): number => {
  const n = parseExpireDuration(text);
  if (n === null) throw new InvalidArgumentError(`${flag} needs a duration (days, or a number with d, h, m or s), not "${text}"`);
  return n;
};

/** `cyrusts cyr_expire [-C imapd.conf] [-E days] [-X days] [-D days] [-p mailbox] [-u userid] [-n] [-v]` */
export const registerCyrExpire = (program: Command): void => {
  program
    .command('cyr_expire')
    .description('clean up: duplicate delivery records (-E), expunged messages (-X), DELETED.* mailboxes (-D); with -E or -X, messages older than their mailbox\'s expire annotation')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-E, --expire <duration>', 'prune deliver.db of entries older than this (days, or with a unit d h m s)', days('-E'))
    .option('-X, --expunge <duration>', 'remove messages expunged longer ago than this: their files, then their records', days('-X'))
    .option('-D, --delete <duration>', 'remove DELETED.* mailboxes deleted longer ago than this (delete_mode delayed)', days('-D'))
    .option('-n, --dry-run', 'report what would be removed, change nothing')
    .option('-v, --verbose', 'one line per mailbox touched and a summary')
    .option('-p, --prefix <mailbox>', 'mailbox passes (-X, expire annotations) only in this mailbox and those below it (user/fred, user.fred, user/fred@example.com)')
    .option('-u, --user <userid>', "mailbox passes (-X, expire annotations) only in this user's mailboxes")
    .action(async (opts: CyrExpireOptions) => {
      process.exitCode = await runNotifying(opts.config, (notifier) => runCyrExpire({ ...opts, notifier }, (t) => process.stdout.write(t), (t) => process.stderr.write(t)));
    });
};
