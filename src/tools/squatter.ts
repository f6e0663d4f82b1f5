/**
 * `cyrusts squatter`, Cyrus's squatter(8) for our search_engine index (an FTS5 table in each
 * mailbox's cyrus.index, filled at append once search_engine is squat or xapian): it adds the text
 * of the messages the index lacks, those appended before search_engine was switched on, so SEARCH
 * BODY / TEXT answer them from the index instead of reading their files. Messages never change
 * once stored, so every run is incremental (-i is accepted and is what always happens); the writes
 * go in short batches, so sessions on the same mailbox are not held up (mailbox/search-fill.ts).
 *
 * Offered: mailboxes (all by default), -r, -u, -a, -N, -s, -S, -A, -v. Not offered: the rolling
 * indexer (-R, -d, -n: new mail is indexed as it is appended, and older mail by runs of this from
 * cyrus.conf EVENTS), sync log files (-f) and Xapian tier compaction (-z, -t, -T, -X, -o, -F, -U, -B).
 */
import type { Command } from 'commander';
import { isMailError } from '../common/errors.js';
import { userInbox } from '../accounts/index.js';
import type { MailboxEntry, MailStore } from '../store/index.js';
import { EXIT_CONFIG, EXIT_TEMPFAIL, openStoreForTool, type Writer } from '../store/tool-support.js';
import { toolNames } from './mailbox-names.js';
import { Progress, type ProgressStream } from './progress.js';

export const EXIT_USAGE = 64;

export interface SquatterOptions {
  config: string;
  recursive?: boolean;
  /** -i: accepted; every run only indexes what the index lacks. */
  incremental?: boolean;
  /**
   * -s [delta]: skip mailboxes where no message was saved since the last run. The index keeps the
   * highest UID the last run covered, not a time, so Cyrus's delta (slack for comparing file times)
   * is accepted and not needed.
   */
  squatSkip?: string | boolean;
  /** -a: only mailboxes whose /vendor/cmu/cyrus-imapd/squat annotation (or an ancestor's) is "true". */
  squatAnnot?: boolean;
  /** -A: report the messages not indexed, index nothing. */
  audit?: boolean;
  /** -N: only mailboxes whose name begins with this. */
  name?: string;
  /** -S: seconds to pause after each mailbox. */
  sleep?: string;
  /** -u: the arguments are userids: each user's mailboxes. */
  user?: boolean;
  verbose?: boolean;
  rolling?: boolean;
  synclog?: string;
  compact?: string;
  srctier?: string;
  /** Where the progress line goes (shown only on a terminal): normally process.stderr. */
  progress?: ProgressStream;
  /** Messages and text bytes per write batch (tests, measurements). */
  batchMessages?: number;
  batchBytes?: number;
}

const REFUSED: Array<[keyof SquatterOptions, string]> = [
  ['rolling', '-R (rolling mode) is not offered: new mail is indexed as it is appended; run squatter from cyrus.conf EVENTS for older mail'],
  ['synclog', '-f (sync log files) is not offered: there is no sync log here'],
  ['compact', '-z (Xapian tier compaction) is not offered: the index is an SQLite table in each cyrus.index'],
  ['srctier', '-t (Xapian tiers) is not offered: the index is an SQLite table in each cyrus.index'],
];

const isSeconds = (text: string): boolean => /^\d+(\.\d+)?$/.test(text);

/** The local mailboxes to index, sorted and without repeats; problems go to `complain`. */
function targetsOf(store: MailStore, config: Parameters<typeof toolNames>[0], names: readonly string[], options: SquatterOptions, complain: (text: string) => void): { targets: string[]; missing: number } {
  const local = (e: MailboxEntry) => e.server === null;
  let missing = 0;
  const found = new Set<string>();
  if (names.length === 0) {
    for (const e of store.list('*')) if (local(e)) found.add(e.name);
  } else {
    const resolver = toolNames(config, store);
    for (const given of names) {
      let name: string;
      try {
        name = options.user ? userInbox(given) : resolver.resolve(given);
      } catch (e) {
        if (!isMailError(e)) throw e;
        complain(`squatter: ${given}: ${e.message}\n`);
        missing++;
        continue;
      }
      if (store.lookup(name) === null) {
        complain(`squatter: ${given}: ${options.user ? 'user has no INBOX' : 'mailbox does not exist'}\n`);
        missing++;
        continue;
      }
      const entries = options.recursive || options.user ? store.subtree(name) : [store.lookup(name)!];
      for (const e of entries) if (local(e)) found.add(e.name);
    }
  }
  let targets = [...found].sort();
  if (options.name !== undefined) {
    const prefix = toolNames(config, store).resolve(options.name);
    targets = targets.filter((n) => n.startsWith(prefix) || n.startsWith(options.name!));
  }
  if (options.squatAnnot) targets = targets.filter((n) => store.squatAnnotated(n));
  return { targets, missing };
}

/** Run squatter; returns the exit status. */
export async function runSquatter(args: readonly string[], options: SquatterOptions, out: Writer, err: Writer): Promise<number> {
  for (const [option, why] of REFUSED) {
    if (options[option] !== undefined && options[option] !== false) {
      err(`squatter: ${why}\n`);
      return EXIT_USAGE;
    }
  }
  const names = [...args];
  // -s takes a delta only when one follows (getopt's optional argument); a name there is a mailbox.
  const skipUnchanged = options.squatSkip !== undefined && options.squatSkip !== false;
  if (typeof options.squatSkip === 'string' && !isSeconds(options.squatSkip)) names.unshift(options.squatSkip);
  let pauseMs = 0;
  if (options.sleep !== undefined) {
    if (!isSeconds(options.sleep)) {
      err(`squatter: -S needs a number of seconds: ${options.sleep}\n`);
      return EXIT_USAGE;
    }
    pauseMs = Number(options.sleep) * 1000;
  }
  const opened = openStoreForTool('squatter', options.config, err);
  if (typeof opened === 'number') return opened;
  const { store, config } = opened;
  if (!options.audit && config.enum('search_engine') === 'none') {
    store.close();
    err('squatter: search_engine is none in imapd.conf: SEARCH would not read the index (set it to squat or xapian)\n');
    return EXIT_CONFIG;
  }
  const progress = new Progress(options.progress);
  const print = progress.writer(out);
  const complain = progress.writer(err);
  let status = 0;
  try {
    const { targets, missing } = targetsOf(store, config, names, options, complain);
    if (missing > 0) status = 1;
    for (let i = 0; i < targets.length; i++) {
      const name = targets[i]!;
      const where = targets.length > 1 ? `mailbox ${i + 1}/${targets.length} ${name}` : name;
      try {
        const mailbox = store.openMailbox(name);
        try {
          if (options.audit) {
            const uids = mailbox.unindexedUids();
            if (uids.length > 0) print(`${name}: ${uids.length} unindexed message${uids.length === 1 ? '' : 's'}${options.verbose ? `: ${uids.join(' ')}` : ''}\n`);
            else if (options.verbose) print(`${name}: every message indexed\n`);
            continue;
          }
          if (skipUnchanged) {
            const { lastFill, lastUid } = mailbox.searchTextState();
            if (lastFill !== null && lastUid <= lastFill.coveredUid) {
              if (options.verbose) print(`${name}: skipped, nothing saved since the last run (${lastFill.finished.toISOString()})\n`);
              continue;
            }
          }
          const report = await mailbox.fillSearchText({ batchMessages: options.batchMessages, batchBytes: options.batchBytes, onProgress: (done, total) => progress.update(where, done, total) });
          for (const uid of report.unreadable) complain(`squatter: ${name}: message ${uid}: file missing or unreadable, left unindexed (run reconstruct)\n`);
          if (report.unreadable.length > 0) status = 1;
          if (options.verbose) print(`${name}: ${report.indexed} message${report.indexed === 1 ? '' : 's'} indexed\n`);
        } finally {
          mailbox.close();
        }
      } catch (e) {
        if (!isMailError(e)) throw e;
        complain(`squatter: ${name}: ${e.message}\n`);
        status = e.kind === 'Temp' ? EXIT_TEMPFAIL : 1;
      }
      if (pauseMs > 0 && i < targets.length - 1) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  } finally {
    progress.clear();
    store.close();
  }
  return status;
}

/** `cyrusts squatter [-C imapd.conf] [-v] [-a] [-A] [-i] [-N name] [-S seconds] [-s [delta]] [-r] [-u] [mailbox|user...]` */
export const registerSquatter = (program: Command): void => {
  program
    .command('squatter')
    .description('add the messages the search_engine index lacks (those from before it was switched on) to it, so SEARCH BODY / TEXT need not read their files; all mailboxes by default')
    .argument('[mailbox...]', 'mailbox names as an administrator sees them (user/fred, user.fred) or internal names; with -u, userids')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-r, --recursive', 'also every mailbox below each one named')
    .option('-u, --user', 'the arguments are userids: all of each user\'s mailboxes')
    .option('-a, --squat-annot', 'only mailboxes whose /vendor/cmu/cyrus-imapd/squat annotation (or the nearest ancestor\'s) is "true"')
    .option('-i, --incremental', 'index only what is not indexed yet (always so here)')
    .option('-s, --squat-skip [delta]', 'skip mailboxes where nothing was saved since the last run (delta: accepted, not needed: the last run\'s UID is kept, not a time)')
    .option('-N, --name <prefix>', 'only mailboxes whose name begins with prefix')
    .option('-S, --sleep <seconds>', 'pause this long after each mailbox')
    .option('-A, --audit', 'report the messages not in the index; index nothing')
    .option('-v, --verbose', 'say what was done in each mailbox')
    .option('-R, --rolling', 'not offered (new mail is indexed at append; run squatter from EVENTS)')
    .option('-f, --synclog <file>', 'not offered (no sync log)')
    .option('-z, --compact <tier>', 'not offered (no Xapian tiers)')
    .option('-t, --srctier <tiers>', 'not offered (no Xapian tiers)')
    .action(async (names: string[], opts: SquatterOptions) => {
      process.exitCode = await runSquatter(names, { ...opts, progress: process.stderr }, (t) => process.stdout.write(t), (t) => process.stderr.write(t));
    });
};
