/**
 * `cyrusts ipurge`, Cyrus's ipurge(8): expunge the messages of mailboxes that are older (-d days)
 * or larger (-b bytes, -k KiB, -m MiB) than given; -x exactly that age in whole days or that
 * size, -i the opposite (newer, smaller, or not equal). Age is measured from the Date header (the
 * internal date where there is none), or from the delivery time with -X. -s spares \Flagged
 * messages, -o takes only \Deleted ones, -n only says what would go.
 *
 * Mailboxes: those matching the patterns (Cyrus wildcards "*" and "%", names as an admin writes
 * them: user/fred/Lists or user.fred.Lists, name@domain), each with the mailboxes below it unless
 * -M; no pattern means every mailbox. As in Cyrus, only shared mailboxes are touched unless -f:
 * users' mailboxes (user.*) are left alone by default.
 *
 * Messages go the way IMAP EXPUNGE takes them (Mailbox.expungeDurably): expunge_mode, quota,
 * modseq, and sessions of the running server hear of it through the master's hub.
 */
import type { Command } from 'commander';
import { isMailError } from '../common/errors.js';
import { FLAG_DELETED, FLAG_FLAGGED } from '../mailbox/index.js';
import { compileListPattern, ownerOf, parentName, type ListPattern } from '../names/index.js';
import type { ChangeNotifier, MailboxEntry } from '../store/index.js';
import { EXIT_TEMPFAIL, openStoreForTool, type Writer } from '../store/tool-support.js';
import { runNotifying } from './notify.js';
import { Progress, type ProgressStream } from './progress.js';

const DAY_MS = 86_400_000;
/** UIDs per expunge transaction: a big purge never holds a mailbox's index lock for long. */
const EXPUNGE_BATCH = 500;

export interface IpurgeOptions {
  config: string;
  /** -d: age in days. */
  days?: string;
  /** -b, -k, -m: size in bytes, KiB, MiB. */
  bytes?: string;
  kbytes?: string;
  mbytes?: string;
  /** -x: exactly that age (whole days) or size. */
  exact?: boolean;
  /** -X: age from the delivery (internal) date instead of the Date header. */
  deliveryTime?: boolean;
  /** -i: newer, smaller, or (with -x) not equal. */
  invert?: boolean;
  /** -s: skip \Flagged messages. */
  skipFlagged?: boolean;
  /** -o: only \Deleted messages. */
  onlyDeleted?: boolean;
  /** -n: change nothing, print what would go. */
  dryRun?: boolean;
  /** -v: each mailbox's counts. */
  verbose?: boolean;
  /** -f: users' mailboxes too. */
  force?: boolean;
  /** -M: a pattern takes the mailboxes it matches, not those below them. */
  noRecurse?: boolean;
  /** Now, in ms (tests). */
  now?: number;
  notifier?: ChangeNotifier;
  /** Where the progress line goes (a terminal only). */
  progress?: ProgressStream;
}

/** What a message is purged for: its age (ms) or its size (bytes). */
export type PurgeCriterion = { kind: 'age'; days: number } | { kind: 'size'; bytes: number };

export interface PurgeRules {
  criterion: PurgeCriterion;
  exact: boolean;
  invert: boolean;
  deliveryTime: boolean;
  skipFlagged: boolean;
  onlyDeleted: boolean;
}

/** The facts of one message ipurge looks at. */
export interface PurgeCandidate {
  sentAt: number;
  internalDate: number;
  size: number;
  flagged: boolean;
  deleted: boolean;
}

/** Whether `message` goes under `rules` at time `now` (ms). */
export function shouldPurge(rules: PurgeRules, message: PurgeCandidate, now: number): boolean {
  if (rules.skipFlagged && message.flagged) return false;
  if (rules.onlyDeleted && !message.deleted) return false;
  let match: boolean;
  if (rules.criterion.kind === 'age') {
    const age = now - (rules.deliveryTime ? message.internalDate : message.sentAt);
    match = rules.exact ? Math.floor(age / DAY_MS) === rules.criterion.days : age > rules.criterion.days * DAY_MS;
  } else {
    match = rules.exact ? message.size === rules.criterion.bytes : message.size > rules.criterion.bytes;
  }
  return match !== rules.invert;
}

/**
 * A pattern as an admin writes it, in internal form: "user/fred/*" (the "/" separator: "/" and "."
 * trade places, a "." in a name being "^" inside) or "user.fred.*" as it is; "...@domain" becomes
 * "domain!...".
 */
export function internalPattern(pattern: string): string {
  const at = pattern.lastIndexOf('@');
  const local = at > 0 ? pattern.slice(0, at) : pattern;
  const domain = at > 0 ? pattern.slice(at + 1).toLowerCase() : null;
  const dotted = local.includes('/') ? local.replaceAll('.', '^').replaceAll('/', '.') : local;
  return domain ? `${domain}!${dotted}` : dotted;
}

/** Which mailboxes the patterns select (every one without patterns), users' only with `force`. */
export function mailboxSelector(patterns: readonly string[], opts: { force: boolean; noRecurse: boolean }): (name: string) => boolean {
  const compiled: ListPattern[] = patterns.map((p) => compileListPattern(internalPattern(p), '.'));
  const matches = (name: string): boolean => {
    if (compiled.length === 0) return true;
    for (let n: string | null = name; n !== null; n = opts.noRecurse ? null : parentName(n)) {
      if (compiled.some((p) => p.matches(n!))) return true;
    }
    return false;
  };
  return (name) => (opts.force || ownerOf(name) === null) && matches(name);
}

interface Totals {
  mailboxes: number;
  messages: number;
  bytes: number;
}

/** One non-negative whole number from an option; null when malformed. */
function count(text: string): number | null {
  return /^\s*\d{1,15}\s*$/.test(text) ? Number(text) : null;
}

/** The exit status: 0, 64 (usage), 75 (a mailbox could not be purged), 78 (configuration). */
export async function runIpurge(patterns: readonly string[], options: IpurgeOptions, out: Writer, err: Writer): Promise<number> {
  const given = [['-d', options.days, 0], ['-b', options.bytes, 1], ['-k', options.kbytes, 1024], ['-m', options.mbytes, 1024 * 1024]] as const;
  const set = given.filter(([, value]) => value !== undefined);
  if (set.length !== 1) {
    err('ipurge: give exactly one of -d days, -b bytes, -k kbytes or -m mbytes\n');
    return 64;
  }
  const [flag, text, unit] = set[0]!;
  const n = count(text!);
  if (n === null) {
    err(`ipurge: ${flag} needs a whole number, not "${text}"\n`);
    return 64;
  }
  const rules: PurgeRules = {
    criterion: unit === 0 ? { kind: 'age', days: n } : { kind: 'size', bytes: n * unit },
    exact: options.exact === true,
    invert: options.invert === true,
    deliveryTime: options.deliveryTime === true,
    skipFlagged: options.skipFlagged === true,
    onlyDeleted: options.onlyDeleted === true,
  };
  const opened = openStoreForTool('ipurge', options.config, err, options.notifier);
  if (typeof opened === 'number') return opened;
  const { store } = opened;
  const now = options.now ?? Date.now();
  const dryRun = options.dryRun === true;
  const selected = mailboxSelector(patterns, { force: options.force === true, noRecurse: options.noRecurse === true });
  const progress = new Progress(options.progress);
  const totals: Totals = { mailboxes: 0, messages: 0, bytes: 0 };
  let status = 0;
  try {
    // Reserved, deleted (DELETED.*) and remote (Murder) entries hold no messages here.
    const entries = store.mailboxes.all().filter((e) => e.type.length === 0 && selected(e.name));
    for (const [i, entry] of entries.entries()) {
      progress.update('ipurge: mailboxes', i, entries.length);
      try {
        await purgeMailbox(entry, rules, { now, dryRun, verbose: options.verbose === true }, totals, (t) => {
          progress.clear();
          out(t);
        });
      } catch (e) {
        if (!isMailError(e)) throw e;
        progress.clear();
        err(`ipurge: ${entry.name}: ${e.message}\n`);
        status = EXIT_TEMPFAIL;
      }
    }
    progress.clear();
    if (options.verbose || dryRun) {
      out(`ipurge: ${dryRun ? 'would purge' : 'purged'} ${totals.messages} message(s), ${totals.bytes} bytes, in ${totals.mailboxes} of ${entries.length} mailbox(es)\n`);
    }
  } catch (e) {
    if (!isMailError(e)) throw e;
    err(`ipurge: ${e.message}\n`);
    status = EXIT_TEMPFAIL;
  } finally {
    progress.clear();
    store.close();
  }
  return status;

  async function purgeMailbox(entry: MailboxEntry, rules: PurgeRules, run: { now: number; dryRun: boolean; verbose: boolean }, sum: Totals, say: Writer): Promise<void> {
    const mailbox = store.openMailbox(entry.name);
    try {
      const snapshot = mailbox.snapshot();
      const sent = rules.criterion.kind === 'age' && !rules.deliveryTime ? mailbox.fields.sentTimes() : null;
      const uids: number[] = [];
      let bytes = 0;
      let totalBytes = 0;
      for (let i = 0; i < snapshot.count; i++) {
        const uid = snapshot.uids[i]!;
        const flags = snapshot.systemFlags[i]!;
        const candidate: PurgeCandidate = {
          internalDate: snapshot.internalDates[i]!,
          sentAt: sent?.get(uid) ?? snapshot.internalDates[i]!,
          size: snapshot.sizes[i]!,
          flagged: (flags & FLAG_FLAGGED) !== 0,
          deleted: (flags & FLAG_DELETED) !== 0,
        };
        totalBytes += candidate.size;
        if (!shouldPurge(rules, candidate, run.now)) continue;
        uids.push(uid);
        bytes += candidate.size;
        if (run.dryRun) say(`${entry.name}: would purge UID ${uid} (${candidate.size} bytes, sent ${new Date(candidate.sentAt).toISOString()}, received ${new Date(candidate.internalDate).toISOString()})\n`);
      }
      let purged = 0;
      if (!run.dryRun) {
        for (let i = 0; i < uids.length; i += EXPUNGE_BATCH) {
          purged += (await mailbox.expungeDurably({ uids: uids.slice(i, i + EXPUNGE_BATCH), force: true })).length;
        }
      }
      const count = run.dryRun ? uids.length : purged;
      if (count > 0) sum.mailboxes++;
      sum.messages += count;
      sum.bytes += bytes;
      if (run.verbose) {
        say(`${entry.name}: ${snapshot.count} message(s), ${totalBytes} bytes; ${run.dryRun ? 'would purge' : 'purged'} ${count} message(s), ${bytes} bytes; ${snapshot.count - count} left\n`);
      }
    } finally {
      mailbox.close();
    }
  }
}

/** `cyrusts ipurge [-C imapd.conf] [-f] [-M] [-x] [-X] [-i] [-s] [-o] [-n] [-v] (-d days | -b bytes | -k kbytes | -m mbytes) [pattern...]` */
export const registerIpurge = (program: Command): void => {
  program
    .command('ipurge')
    .description('expunge messages older (-d) or larger (-b, -k, -m) than given from shared mailboxes (users\' too with -f), as IMAP EXPUNGE would')
    .argument('[patterns...]', 'mailboxes, with * and % wildcards (user/fred/*, shared.lists, name@domain); each takes the mailboxes below it unless -M; none: every mailbox')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-d, --days <days>', 'messages older than this many days')
    .option('-b, --bytes <bytes>', 'messages larger than this many bytes')
    .option('-k, --kbytes <kbytes>', 'messages larger than this many KiB (1024 bytes)')
    .option('-m, --mbytes <mbytes>', 'messages larger than this many MiB (1024 KiB)')
    .option('-x, --exact', 'exactly that age (in whole days) or size, not older or larger')
    .option('-X, --delivery-time', 'measure age from the delivery time, not the Date header')
    .option('-i, --invert', 'the opposite: newer, smaller, or (with -x) not equal')
    .option('-s, --skip-flagged', 'leave messages flagged \\Flagged alone')
    .option('-o, --only-deleted', 'only messages flagged \\Deleted')
    .option('-f, --force', "users' mailboxes (user.*) too; without it only shared mailboxes are purged")
    .option('-M, --no-recurse', 'a pattern takes only the mailboxes it matches, not those below them')
    .option('-n, --dry-run', 'change nothing; print each message that would be purged')
    .option('-v, --verbose', "each mailbox's counts and a summary")
    .action(async (patterns: string[], opts: IpurgeOptions & { recurse?: boolean }) => {
      const options: IpurgeOptions = { ...opts, noRecurse: opts.recurse === false, progress: process.stderr };
      process.exitCode = await runNotifying(options.config, (notifier) => runIpurge(patterns, { ...options, notifier }, (t) => process.stdout.write(t), (t) => process.stderr.write(t)));
    });
};
