import { InvalidArgumentError, type Command } from 'commander';
import { isMailError } from '../common/errors.js';
import type { ChangeNotifier } from '../store/mail-store.js';
import { EXIT_TEMPFAIL, openStoreForTool, type Writer } from '../store/tool-support.js';
import { runNotifying } from './notify.js';

const DAY_MS = 86_400_000;

export interface CyrExpireOptions {
  config: string;
  /** -E: forget expunged records (whose files are gone) older than this many days. */
  expire?: number;
  /** -X: unlink the files of messages expunged more than this many days ago (expunge_mode delayed). */
  expunge?: number;
  /** -D: remove for good the DELETED.* mailboxes deleted more than this many days ago. */
  delete?: number;
  /** -n: report what would go, change nothing. */
  dryRun?: boolean;
  /** -v: one line per mailbox touched. */
  verbose?: boolean;
  notifier?: ChangeNotifier;
}

export interface ExpireTotals {
  mailboxes: number;
  filesRemoved: number;
  recordsPruned: number;
  deletedMailboxes: number;
}

/**
 * cyr_expire, the EVENTS cleanup job: -X unlinks the message files of delayed expunges, -E keeps
 * the expunged-record memory (what QRESYNC reads) bounded, -D removes DELETED.* mailboxes. -X runs
 * before -E, so with the same age both go in one run; -E never forgets a record whose file is still
 * there (reconstruct would adopt the file again). Returns the exit status.
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
  const totals: ExpireTotals = { mailboxes: 0, filesRemoved: 0, recordsPruned: 0, deletedMailboxes: 0 };
  let status = 0;
  try {
    if (options.expire !== undefined || options.expunge !== undefined) {
      for (const entry of store.mailboxes.all()) {
        if (entry.type.length > 0) continue; // reserved, deleted or remote
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
          const files = options.expunge !== undefined ? mailbox.expireExpunged(options.expunge * DAY_MS, { dryRun }) : [];
          // A dry run counts only records whose files are gone already (not those -X would unlink).
          const records = options.expire !== undefined ? mailbox.pruneExpunged(options.expire * DAY_MS, { dryRun }) : [];
          totals.filesRemoved += files.length;
          totals.recordsPruned += records.length;
          if (files.length > 0 && verbose) out(`${entry.name}: ${would} ${files.length} expunged message file(s)\n`);
          if (records.length > 0 && verbose) out(`${entry.name}: ${dryRun ? 'would forget' : 'forgot'} ${records.length} expunged record(s)\n`);
          if (!dryRun && (files.length > 0 || records.length > 0)) store.notifyChanged(entry.name);
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
      out(`cyr_expire: ${dryRun ? 'would remove' : 'removed'} ${totals.filesRemoved} message file(s) and ${totals.recordsPruned} expunged record(s) in ${totals.mailboxes} mailbox(es), ${totals.deletedMailboxes} deleted mailbox(es)\n`);
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

const days = (flag: string) => (text: string): number => {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${flag} needs a number of days, not "${text}"`);
  return n;
};

/** `cyrusts cyr_expire [-C imapd.conf] [-E days] [-X days] [-D days] [-n] [-v]` */
export const registerCyrExpire = (program: Command): void => {
  program
    .command('cyr_expire')
    .description('clean up: files of expunged messages (-X), old expunged records (-E), DELETED.* mailboxes (-D)')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-E, --expire <days>', 'forget expunged records older than this (their files already gone)', days('-E'))
    .option('-X, --expunge <days>', 'unlink files of messages expunged longer ago than this (expunge_mode delayed)', days('-X'))
    .option('-D, --delete <days>', 'remove DELETED.* mailboxes deleted longer ago than this (delete_mode delayed)', days('-D'))
    .option('-n, --dry-run', 'report what would be removed, change nothing')
    .option('-v, --verbose', 'one line per mailbox touched and a summary')
    .action(async (opts: CyrExpireOptions) => {
      process.exitCode = await runNotifying(opts.config, (notifier) => runCyrExpire({ ...opts, notifier }, (t) => process.stdout.write(t), (t) => process.stderr.write(t)));
    });
};
