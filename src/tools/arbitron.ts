/**
 * `cyrusts arbitron`, Cyrus's arbitron(8): for each mailbox, how many users read it in a period
 * (-d days, default 30; -D mmddyyyy[:mmddyyyy]) and how many are subscribed to it; -u names them,
 * -l writes one line per reader and subscriber (mailbox,userid,r|s,start,end), -o leaves the
 * subscribers out; -p months removes the seen state of users who have not read a mailbox for that
 * long. Patterns (Cyrus wildcards, as an admin writes names) choose the mailboxes: every one by
 * default.
 *
 * A reader is a user other than the mailbox's owner with the `s` right on it (checked as for a
 * session: groups, admins) whose seen state of the mailbox changed within the period: seen.db
 * keeps when each user's \Seen of a mailbox last changed, where Cyrus keeps the last time the user
 * opened it, so a user who looked and read nothing new is not counted. A personal mailbox is
 * reported only when someone other than its owner read it. Subscribers are counted whatever the
 * period (subscriptions keep no time), the owner among them, as Cyrus does. The owner's own \Seen
 * (the records' bits) and a sharedseen mailbox's (everyone's) have no user and no time: they count
 * no reader and -p leaves them alone.
 *
 * -p goes through the mail layer as cyr_userseen does (Mailbox.clearSeen: modseq moves, sessions
 * are told), each user's row checked again under the index lock so that a user who just read
 * something keeps it; only the chosen mailboxes are pruned (Cyrus prunes every row of every user).
 */
import type { Command } from 'commander';
import { RightsChecker } from '../acl/index.js';
import { Authenticator, type Identity } from '../auth/index.js';
import { isMailError } from '../common/errors.js';
import { compileListPattern, ownerOf } from '../names/index.js';
import type { ChangeNotifier, MailboxEntry, MailStore } from '../store/index.js';
import { EXIT_TEMPFAIL, openStoreForTool, type Writer } from '../store/tool-support.js';
import { internalPattern } from './ipurge.js';
import { adminNames } from './mailbox-names.js';
import { runNotifying } from './notify.js';
import { Progress, type ProgressStream } from './progress.js';

const DAY_MS = 86_400_000;
/** Cyrus's month for -p: 31 days. */
const MONTH_MS = 31 * DAY_MS;
const EXIT_USAGE = 64;

export interface ArbitronOptions {
  config: string;
  /** -o: no subscribers. */
  noSubscribers?: boolean;
  /** -u: name the readers and subscribers. */
  users?: boolean;
  /** -l: one line per reader and subscriber. */
  long?: boolean;
  /** -d: the past this many days. */
  days?: string;
  /** -D: mmddyyyy[:mmddyyyy]. */
  dates?: string;
  /** -p: prune the seen state of users who have not read a mailbox for this many months. */
  prune?: string;
  /** Now, in ms (tests). */
  now?: number;
  notifier?: ChangeNotifier;
  progress?: ProgressStream;
}

/** The period a reader must have read in, ms since the epoch, both ends in. */
export interface Period {
  start: number;
  end: number;
}

/**
 * -d / -D as a period (local time, as Cyrus: -D's dates are midnights; the end date counts whole);
 * a string saying what is wrong when they are malformed.
 */
export function readPeriod(days: string | undefined, dates: string | undefined, now: number): Period | string {
  if (days !== undefined && dates !== undefined) return 'give -d or -D, not both';
  if (dates !== undefined) {
    const m = /^(\d{2})(\d{2})(\d{4})(?::(\d{2})(\d{2})(\d{4}))?$/.exec(dates);
    if (m === null) return `-D needs mmddyyyy or mmddyyyy:mmddyyyy, not "${dates}"`;
    const day = (mm: string, dd: string, yyyy: string): Date | null => {
      const d = new Date(Number(yyyy), Number(mm) - 1, Number(dd));
      return d.getMonth() === Number(mm) - 1 && d.getDate() === Number(dd) ? d : null;
    };
    const first = day(m[1]!, m[2]!, m[3]!);
    const last = m[4] === undefined ? null : day(m[4], m[5]!, m[6]!);
    if (first === null || (m[4] !== undefined && last === null)) return `-D: no such date in "${dates}"`;
    const end = last === null ? now : new Date(last.getFullYear(), last.getMonth(), last.getDate() + 1).getTime() - 1;
    if (first.getTime() > end) return `-D: the period "${dates}" ends before it starts`;
    return { start: first.getTime(), end };
  }
  const n = days === undefined ? 30 : /^\d{1,6}$/.test(days) ? Number(days) : 0;
  if (n <= 0) return `-d needs a whole number of days above 0, not "${days}"`;
  return { start: now - n * DAY_MS, end: now };
}

/** Cyrus's time form in -l lines: mm-dd-yyyy HH:MM:SS, local time. */
export function longTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getMonth() + 1)}-${two(d.getDate())}-${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

interface Tally {
  entry: MailboxEntry;
  readers: Set<string>;
  subscribers: Set<string>;
}

/** The exit status: 0, 64 (usage), 75 (a mailbox could not be pruned, the store unreadable), 78 (configuration). */
export function runArbitron(patterns: readonly string[], options: ArbitronOptions, out: Writer, err: Writer): number {
  const now = options.now ?? Date.now();
  const usage = (why: string): number => {
    err(`arbitron: ${why}\nusage: arbitron [-C imapd.conf] [-o] [-u] [-l] [-d days | -D mmddyyyy[:mmddyyyy]] [-p months] [pattern...]\n`);
    return EXIT_USAGE;
  };
  const period = readPeriod(options.days, options.dates, now);
  if (typeof period === 'string') return usage(period);
  let pruneBefore: number | null = null;
  if (options.prune !== undefined) {
    if (!/^\d{1,4}$/.test(options.prune) || Number(options.prune) <= 0) return usage(`-p needs a whole number of months above 0, not "${options.prune}"`);
    pruneBefore = now - Number(options.prune) * MONTH_MS;
  }
  const opened = openStoreForTool('arbitron', options.config, err, options.notifier);
  if (typeof opened === 'number') return opened;
  const { store, config } = opened;
  const auth = Authenticator.create({ config, failureDb: null, userDenyDb: null });
  const shown = adminNames(config);
  const progress = new Progress(options.progress);
  const long = options.long === true;
  const names = options.users === true || long;
  const subscribers = options.noSubscribers !== true;
  let status = 0;
  try {
    const rights = RightsChecker.fromConfig(config);
    const identities = new Map<string, Identity>();
    const mayReadSeen = (userid: string, entry: MailboxEntry): boolean => {
      let identity = identities.get(userid);
      if (identity === undefined) identities.set(userid, (identity = auth.identityOf(userid, 'imap')));
      return rights.hasRights(identity, entry, 's');
    };
    const compiled = patterns.map((p) => compileListPattern(internalPattern(p), '.'));
    const chosen = store.mailboxes.all().filter((e) => e.type.length === 0 && e.server === null && (compiled.length === 0 || compiled.some((p) => p.matches(e.name))));
    const byId = new Map<string, Tally>();
    const byName = new Map<string, Tally>();
    for (const entry of chosen) {
      const tally: Tally = { entry, readers: new Set(), subscribers: new Set() };
      byId.set(entry.uniqueId, tally);
      byName.set(entry.name, tally);
    }
    const dormant: Array<{ userid: string; entry: MailboxEntry }> = [];
    const rows = store.seen.rows();
    for (const [i, row] of rows.entries()) {
      progress.update('arbitron: seen states', i, rows.length);
      const tally = byId.get(row.uniqueId);
      if (tally === undefined || row.userid === ownerOf(tally.entry.name)) continue;
      if (row.changed >= period.start && row.changed <= period.end && mayReadSeen(row.userid, tally.entry)) tally.readers.add(row.userid);
      if (pruneBefore !== null && row.changed < pruneBefore) dormant.push({ userid: row.userid, entry: tally.entry });
    }
    if (subscribers) {
      for (const { userid, mailbox } of store.subscriptionStore.all()) byName.get(mailbox)?.subscribers.add(userid);
    }
    progress.clear();
    const sorted = (set: Set<string>): string[] => [...set].sort();
    for (const tally of byName.values()) {
      // A personal mailbox only when someone other than its owner read it.
      if (ownerOf(tally.entry.name) !== null && tally.readers.size === 0) continue;
      const name = shown(tally.entry.name);
      if (long) {
        const times = `${longTime(period.start)},${longTime(period.end)}`;
        for (const userid of sorted(tally.readers)) out(`${name},${userid},r,${times}\n`);
        if (subscribers) for (const userid of sorted(tally.subscribers)) out(`${name},${userid},s,${times}\n`);
        continue;
      }
      const count = (set: Set<string>) => `${set.size}${names && set.size > 0 ? `:${sorted(set).join(',')}` : ''}`;
      out(`${name} ${count(tally.readers)}${subscribers ? ` ${count(tally.subscribers)}` : ''}\n`);
    }
    if (pruneBefore !== null) status = prune(store, dormant, pruneBefore, shown, progress, err);
  } catch (e) {
    if (!isMailError(e)) throw e;
    progress.clear();
    err(`arbitron: ${e.message}\n`);
    status = EXIT_TEMPFAIL;
  } finally {
    progress.clear();
    auth.close();
    store.close();
  }
  return status;
}

/**
 * -p: each dormant user's \Seen of a mailbox taken away (Mailbox.clearSeen), if the row is still
 * older than `before` under the index lock. Returns the exit status.
 */
function prune(store: MailStore, dormant: ReadonlyArray<{ userid: string; entry: MailboxEntry }>, before: number, shown: (name: string) => string, progress: Progress, err: Writer): number {
  let status = 0;
  let pruned = 0;
  const mailboxes = new Set<string>();
  for (const [i, { userid, entry }] of dormant.entries()) {
    progress.update('arbitron: pruning', i, dormant.length);
    try {
      const mailbox = store.openMailbox(entry.name);
      try {
        const stillDormant = () => (store.seen.changedAt(userid, entry.uniqueId) ?? Infinity) < before;
        if (mailbox.clearSeen(userid, { onlyIf: stillDormant }) !== null) {
          pruned++;
          mailboxes.add(entry.name);
        }
      } finally {
        mailbox.close();
      }
    } catch (e) {
      if (!isMailError(e)) throw e;
      progress.clear();
      err(`arbitron: ${shown(entry.name)}: ${e.message}\n`);
      status = EXIT_TEMPFAIL;
    }
  }
  progress.clear();
  err(`arbitron: pruned the seen state of ${pruned} dormant reader(s) in ${mailboxes.size} mailbox(es)\n`);
  return status;
}

/** `cyrusts arbitron [-C imapd.conf] [-o] [-u] [-l] [-d days | -D mmddyyyy[:mmddyyyy]] [-p months] [pattern...]` */
export const registerArbitron = (program: Command): void => {
  program
    .command('arbitron')
    .description('report, for each mailbox, how many users read it in a period (-d days, default 30, or -D dates) and how many are subscribed; -p prunes the seen state of dormant readers')
    .argument('[patterns...]', 'mailboxes, with * and % wildcards (shared/lists, user/*, name@domain); none: every mailbox')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-o, --no-subscribers', 'leave the subscribers out ("the old way")')
    .option('-u, --include-userids', 'name the readers and subscribers after each count')
    .option('-l, --detailed', 'one line per reader and subscriber: mailbox,userid,r|s,start,end')
    .option('-d, --days <days>', 'count users who read the mailbox in the past this many days (default 30)')
    .option('-D, --date <mmddyyyy[:mmddyyyy]>', 'count users who read it between these dates (local time; the end date whole; no end: now)')
    .option('-p, --prune-seen <months>', 'remove the seen state of users who have not read a mailbox for this many months (of 31 days)')
    .action(async (patterns: string[], opts: { config: string; subscribers?: boolean; includeUserids?: boolean; detailed?: boolean; days?: string; date?: string; pruneSeen?: string }) => {
      const options: ArbitronOptions = {
        config: opts.config, noSubscribers: opts.subscribers === false, users: opts.includeUserids, long: opts.detailed,
        days: opts.days, dates: opts.date, prune: opts.pruneSeen, progress: process.stderr,
      };
      process.exitCode = await runNotifying(opts.config, (notifier) => runArbitron(patterns, { ...options, notifier }, (t) => process.stdout.write(t), (t) => process.stderr.write(t)));
    });
};
