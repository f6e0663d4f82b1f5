/**
 * quota, as Cyrus 3.6's quota(8): report the quota roots with their limits and usage; with -f
 * first recount every root from its mailboxes and repair what differs (usage, and mailboxes whose
 * recorded quota root is not their nearest root); with -n only say what differs. -d limits it to
 * a domain, mailbox-spec arguments to roots starting with one of those prefixes, -u makes them
 * userids. Recounting is safe while the server runs (see src/store/quotas.ts).
 */
import type { Command } from 'commander';
import { isMailError } from '../common/errors.js';
import type { ImapdConfig } from '../config/index.js';
import { domainOfName, inboxNameOf, isWithin, Namespace, type NamingIdentity } from '../names/index.js';
import { sameUsage, type MailStore, type QuotaRecount, type QuotaRoot } from '../store/index.js';
import type { ChangeNotifier } from '../store/mail-store.js';
import { EXIT_TEMPFAIL, openStoreForTool, type Writer } from '../store/tool-support.js';
import { runNotifying } from './notify.js';
import { Progress, type ProgressStream } from './progress.js';

export interface QuotaToolOptions {
  config: string;
  /** -d: only roots in this domain. */
  domain?: string;
  /** -f: recount and repair before the report. */
  fix?: boolean;
  /** -n: recount and say what differs, change nothing. */
  check?: boolean;
  /** -q: no report (with -f / -n: only the differences). */
  quiet?: boolean;
  /** -u: the specs are userids. */
  users?: boolean;
  /** Mailbox prefixes (or userids with -u). */
  specs?: string[];
  notifier?: ChangeNotifier;
  /** Where the progress line goes (a terminal only). */
  progress?: ProgressStream;
}

/** Exit status of -n when something differs. */
export const EXIT_DIFFERENCES = 1;

const TOOL_ADMIN: NamingIdentity = { localPart: '', domain: null, isAdmin: true, isDomainAdmin: false, isAnonymous: false };

/** Which roots (and mailboxes) the run covers: -d and the specs. */
function scopeOf(config: ImapdConfig, options: QuotaToolOptions): (name: string) => boolean {
  const namespace = Namespace.fromConfig(config);
  const prefixes = (options.specs ?? []).map((spec) => {
    if (options.users) return inboxNameOf(spec);
    try {
      return namespace.toInternal(spec, TOOL_ADMIN);
    } catch (err) {
      if (!isMailError(err)) throw err;
      return spec;
    }
  });
  const domain = options.domain?.toLowerCase() ?? null;
  return (name) => {
    if (domain !== null && domainOfName(name) !== domain) return false;
    if (prefixes.length === 0) return true;
    return prefixes.some((prefix) => (options.users ? isWithin(name, prefix) : name.startsWith(prefix)));
  };
}

const RESOURCES = [
  ['STORAGE', 'storage'],
  ['MESSAGE', 'messages'],
  ['MAILBOX', 'mailboxes'],
] as const;

function describeRecount(recount: QuotaRecount, display: string, fixed: boolean): string[] {
  const lines: string[] = [];
  for (const [resource, key] of RESOURCES) {
    const was = recount.before[key];
    const now = recount.after[key];
    if (was === now) continue;
    lines.push(fixed ? `${display}: ${resource} usage was ${was}, now ${now}\n` : `${display}: ${resource} usage is ${was}, should be ${now}\n`);
  }
  return lines;
}

/** The report: one line per resource with a limit (a root without limits: its storage, "none"). */
export function formatQuotaReport(roots: readonly QuotaRoot[], display: (root: string) => string): string {
  const rows: string[][] = [['Quota', '% Used', 'Used', 'Resource', 'Root']];
  for (const quota of roots) {
    const used = { STORAGE: Math.floor(quota.usage.storage / 1024), MESSAGE: quota.usage.messages, MAILBOX: quota.usage.mailboxes };
    let any = false;
    for (const [resource] of RESOURCES) {
      const limit = quota.limits[resource];
      if (limit === null) continue;
      any = true;
      const percent = limit > 0 ? String(Math.floor((used[resource] * 100) / limit)) : '-';
      rows.push([String(limit), percent, String(used[resource]), resource, display(quota.root)]);
    }
    if (!any) rows.push(['none', '-', String(used.STORAGE), 'STORAGE', display(quota.root)]);
  }
  const widths = [0, 1, 2, 3].map((col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows.map((row) => row.map((cell, col) => (col === 4 ? cell : col === 3 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join(' ') + '\n').join('');
}

/** Recount (and with `fix` repair) the roots and mailbox labels in scope; returns the difference lines. */
function recountAll(store: MailStore, inScope: (name: string) => boolean, fix: boolean, display: (name: string) => string, progress: Progress): string[] {
  const out: string[] = [];
  let done = 0;
  for (const entry of store.mailboxes.all()) {
    if (entry.type.length !== 0 || !inScope(entry.name)) continue;
    progress.update('mailboxes', ++done);
    const root = store.quotas.rootOf(entry.name);
    if ((entry.quotaRoot ?? null) === root) continue;
    out.push(`${display(entry.name)}: quota root ${entry.quotaRoot === null ? 'none' : display(entry.quotaRoot)} --> ${root === null ? 'none' : display(root)}\n`);
    if (fix) store.setQuotaRoot(entry.name, root);
  }
  const roots = store.quotas.roots(inScope);
  let scanned = 0;
  for (const quota of roots) {
    const recount = store.recountQuota(quota.root, fix, () => progress.update(`recounting ${display(quota.root)}`, ++scanned));
    if (recount && !sameUsage(recount.before, recount.after)) out.push(...describeRecount(recount, display(quota.root), fix));
  }
  progress.clear();
  return out;
}

/** Run quota; returns the exit status (EXIT_DIFFERENCES for -n when something differs). */
export function runQuota(options: QuotaToolOptions, out: Writer, err: Writer): number {
  const opened = openStoreForTool('quota', options.config, err, options.notifier);
  if (typeof opened === 'number') return opened;
  const { store, config } = opened;
  const namespace = Namespace.fromConfig(config);
  const display = (name: string) => namespace.toExternal(name, TOOL_ADMIN) ?? name;
  const progress = new Progress(options.progress);
  try {
    const inScope = scopeOf(config, options);
    let differences: string[] = [];
    if (options.fix || options.check) {
      differences = recountAll(store, inScope, options.fix === true && options.check !== true, display, progress);
      for (const line of differences) out(line);
    }
    if (!options.quiet) out(formatQuotaReport(store.quotas.roots(inScope), display));
    return options.check && differences.length > 0 ? EXIT_DIFFERENCES : 0;
  } catch (e) {
    if (!isMailError(e)) throw e;
    progress.clear();
    err(`quota: ${e.message}\n`);
    return EXIT_TEMPFAIL;
  } finally {
    store.close();
  }
}

/** `cyrusts quota [-C imapd.conf] [-d domain] [-f] [-n] [-q] [-u] [mailbox-spec...]` */
export const registerQuota = (program: Command): void => {
  program
    .command('quota')
    .description('report quota roots with their limits and usage; -f recounts and repairs, -n only checks')
    .argument('[mailbox-spec...]', 'only roots starting with these mailbox prefixes (userids with -u)')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-d, --domain <domain>', 'only quota roots in this domain')
    .option('-f, --fix', 'recount usage from the mailboxes and repair every difference before the report')
    .option('-n, --check', 'recount and list the differences, change nothing (exit status 1 when any)')
    .option('-q, --quiet', 'no report; with -f or -n only the differences')
    .option('-u, --users', 'the mailbox-spec arguments are userids')
    .action(async (specs: string[], opts: Omit<QuotaToolOptions, 'specs'>) => {
      process.exitCode = await runNotifying(opts.config, (notifier) =>
        runQuota({ ...opts, specs, notifier, progress: process.stderr }, (t) => process.stdout.write(t), (t) => process.stderr.write(t)),
      );
    });
};
