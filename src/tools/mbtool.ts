/**
 * `cyrusts mbtool`, Cyrus's mbtool(8): actions on the indexes of the mailboxes named.
 *
 * -t: every message whose internal date is a day or more away from the time its Date: header
 * names gets that time as its internal date (a mailbox restored from backup whose messages all
 * carry the restore's date). As Cyrus, it prints "Working on MAILBOX..." and one
 * "  UID: OLD => NEW" line per message changed (RFC 5322 dates, local time). Messages without a
 * Date: header the server could read keep theirs. The change goes through Mailbox.setInternalDates:
 * one new modseq per mailbox on the records that change, so a selected client hears of them at its
 * next NOOP (or at once in IDLE) as FETCH (FLAGS ...) with MODSEQ under CONDSTORE, as Cyrus tells
 * any rewritten record; INTERNALDATE itself is never sent unasked, by Cyrus nor here: a client
 * fetches it again.
 *
 * -r (a new unique id for each mailbox) is refused, and says why. Cyrus 3.6 refuses it too for
 * every mailbox not in its legacy directory layout ("Non-legacy mailbox, cannot reid"), which is
 * every mailbox it creates by default. Here the unique id keys a mailbox's annotations, every
 * user's seen state, its access keys, Murder XFER ledgers and the per-process snapshot and sort
 * caches; giving it a new one would have to move all of them at once and tell every process.
 *
 * Mailboxes: names as an administrator writes them ("user/fred", "user.fred", "shared@example.com")
 * or Cyrus wildcard patterns ("user/*", "user.fred.%"), as Cyrus's findall takes them. A name that
 * names no mailbox is an error before anything changes.
 */
import type { Command } from 'commander';
import { isMailError } from '../common/errors.js';
import { rfc5322Date } from '../message/index.js';
import type { ChangeNotifier } from '../store/index.js';
import { EXIT_DATAERR, EXIT_TEMPFAIL, openStoreForTool, type Writer } from '../store/tool-support.js';
import { adminNames, selectMailboxes, toolNames } from './mailbox-names.js';
import { runNotifying } from './notify.js';
import { Progress, type ProgressStream } from './progress.js';

export const EXIT_USAGE = 64;
const DAY_MS = 86_400_000;

export interface MbtoolOptions {
  config: string;
  /** -t: internal dates from the Date: headers. */
  time?: boolean;
  /** -r: new unique ids (refused, see above). */
  reid?: boolean;
  notifier?: ChangeNotifier;
  /** Where the progress line goes (a terminal only). */
  progress?: ProgressStream;
}

const USAGE = 'usage: mbtool [-C imapd.conf] {-r|-t} mailbox...\n  -r  give the mailboxes new unique ids (refused here, see --help)\n  -t  set internal dates that are a day or more off to the Date: header\n';

/**
 * The new internal date of each message of `current` (UID → internal date) whose header date
 * (`headerDates`, UID → Date: time) is a day or more away: what -t changes.
 */
export function datesToMend(current: ReadonlyMap<number, number>, headerDates: ReadonlyMap<number, number>): Map<number, number> {
  const mend = new Map<number, number>();
  for (const [uid, internal] of current) {
    const header = headerDates.get(uid);
    if (header === undefined || Math.abs(internal - header) < DAY_MS) continue;
    mend.set(uid, header);
  }
  return mend;
}

/** The exit status: 0, 64 (usage), 65 (no such mailbox, -r), 75 (a mailbox could not be changed), 78 (configuration). */
export function runMbtool(args: readonly string[], options: MbtoolOptions, out: Writer, err: Writer): number {
  if ((options.time === true) === (options.reid === true) || args.length === 0) {
    err(`mbtool: give one of -r and -t, and at least one mailbox\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (options.reid === true) {
    err('mbtool: -r is not offered: a mailbox\'s unique id keys its annotations, every user\'s seen state, access keys and XFER ledgers, which would all be orphaned (Cyrus 3.6 refuses it too for mailboxes outside its legacy layout)\n');
    return EXIT_DATAERR;
  }
  const opened = openStoreForTool('mbtool', options.config, err, options.notifier);
  if (typeof opened === 'number') return opened;
  const { store, config } = opened;
  const shown = adminNames(config);
  const progress = new Progress(options.progress);
  const say = progress.writer(out);
  let status = 0;
  try {
    const chosen = selectMailboxes(store, toolNames(config, store).resolve, args);
    if (!Array.isArray(chosen)) {
      err(`mbtool: ${chosen.missing}: no such mailbox (nothing changed)\n`);
      return EXIT_DATAERR;
    }
    for (const [i, name] of chosen.entries()) {
      progress.update('mbtool: mailboxes', i, chosen.length);
      say(`Working on ${shown(name)}...\n`);
      try {
        const mailbox = store.openMailbox(name);
        try {
          const snapshot = mailbox.snapshot();
          const current = new Map<number, number>();
          for (let i = 0; i < snapshot.uids.length; i++) current.set(snapshot.uids[i]!, snapshot.internalDates[i]!);
          const mend = datesToMend(current, mailbox.fields.headerDates());
          if (mend.size === 0) continue;
          const { changed } = mailbox.setInternalDates(mend);
          for (const uid of changed) {
            say(`  ${uid}: ${rfc5322Date(new Date(current.get(uid)!))} => ${rfc5322Date(new Date(mend.get(uid)!))}\n`);
          }
        } finally {
          mailbox.close();
        }
      } catch (e) {
        if (!isMailError(e)) throw e;
        progress.clear();
        err(`mbtool: ${shown(name)}: ${e.message}\n`);
        status = EXIT_TEMPFAIL;
      }
    }
  } finally {
    progress.clear();
    store.close();
  }
  return status;
}

/** `cyrusts mbtool [-C imapd.conf] {-r|-t} mailbox...` */
export const registerMbtool = (program: Command): void => {
  program
    .command('mbtool')
    .description('actions on mailbox indexes: -t sets each internal date a day or more away from the Date: header to that date (mailboxes restored from backup); -r (new unique ids) is refused, as Cyrus 3.6 refuses it outside its legacy layout')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-t, --time', 'set internal dates from the Date: headers where they are a day or more off')
    .option('-r, --reid', 'new unique ids (refused: annotations, seen state and access keys are keyed by them)')
    .argument('<mailboxes...>', 'mailboxes (user/fred, user.fred, shared@example.com) or patterns with * and %')
    .action(async (mailboxes: string[], opts: MbtoolOptions) => {
      process.exitCode = await runNotifying(opts.config, (notifier) =>
        runMbtool(mailboxes, { ...opts, notifier, progress: process.stderr }, (t) => process.stdout.write(t), (t) => process.stderr.write(t)),
      );
    });
};
