import type { Command } from 'commander';
import { isMailError } from '../common/errors.js';
import { reconstructMailbox } from '../mailbox/index.js';
import { rebuildMailboxList } from '../store/index.js';
import type { ChangeNotifier } from '../store/mail-store.js';
import { EXIT_TEMPFAIL, openStoreForTool, type Writer } from '../store/tool-support.js';
import { toolNames } from './mailbox-names.js';
import { runNotifying } from './notify.js';
import { Progress, type ProgressStream } from './progress.js';

export interface ReconstructToolOptions {
  config: string;
  recursive?: boolean;
  full?: boolean;
  /** -n: check only, change nothing; exit 1 when something is wrong. */
  check?: boolean;
  /** -m: rebuild mailboxes.db from the headers on the partitions. */
  mboxlist?: boolean;
  /** Where the progress line goes (shown only when it is a TTY): normally process.stderr. */
  progress?: ProgressStream;
  /** Hears of every mailbox reconstruct changes (see src/tools/notify.ts). */
  notifier?: ChangeNotifier;
}

/** Run reconstruct; returns the exit status (1 with -n when something needs fixing). */
export function runReconstruct(names: readonly string[], options: ReconstructToolOptions, out: Writer, err: Writer): number {
  const opened = openStoreForTool('reconstruct', options.config, err, options.notifier);
  if (typeof opened === 'number') return opened;
  const { store, config } = opened;
  const progress = new Progress(options.progress);
  const print = progress.writer(out);
  const complain = progress.writer(err);
  const verb = options.check ? 'needs' : 'fixed';
  let wrong = 0;
  let status = 0;
  try {
    if (options.mboxlist) {
      const report = rebuildMailboxList(store, config.partitions(), { checkOnly: options.check, onProgress: (phase, done) => progress.update(phase, done) });
      for (const r of report.reservations) print(`${r.name}: reserved entry of an interrupted create ${options.check ? 'found' : r.action}\n`);
      for (const name of report.added) print(`${name}: ${options.check ? 'missing from' : 'added to'} mailboxes.db\n`);
      for (const m of report.moved) print(`${m.name}: ${m.from} ${options.check ? 'is to move' : 'moved'} to ${m.to}\n`);
      for (const dir of report.leftovers) print(`${dir}: leftover ${options.check ? 'found' : 'removed'}\n`);
      for (const problem of report.problems) print(`${problem}\n`);
      wrong += report.added.length + report.leftovers.length + report.moved.length + report.reservations.length;
    }
    const targets: string[] = [];
    const mailboxNames = toolNames(config, store);
    for (const name of names.map((given) => mailboxNames.resolve(given))) {
      if (options.recursive) {
        const subtree = store.lookup(name) ? store.subtree(name).map((e) => e.name) : [];
        if (subtree.length === 0) {
          complain(`reconstruct: ${name}: mailbox does not exist\n`);
          status = 1;
        }
        targets.push(...subtree);
      } else targets.push(name);
    }
    targets.forEach((name, i) => {
      const where = targets.length > 1 ? `mailbox ${i + 1}/${targets.length} ${name}` : name;
      try {
        const report = reconstructMailbox(store, name, {
          checkOnly: options.check,
          full: options.full,
          onProgress: (phase, done, total) => progress.update(`${where}: ${phase}`, done, total),
        });
        if (report.problems.length === 0) {
          print(`${name}: ok\n`);
          return;
        }
        wrong++;
        for (const problem of report.problems) print(`${name}: ${verb}: ${problem}\n`);
      } catch (e) {
        if (!isMailError(e)) throw e;
        complain(`reconstruct: ${name}: ${e.message}\n`);
        status = e.kind === 'Temp' ? EXIT_TEMPFAIL : 1;
      }
    });
  } finally {
    progress.clear();
    store.close();
  }
  if (status !== 0) return status;
  return options.check && wrong > 0 ? 1 : 0;
}

/** `cyrusts reconstruct [-C imapd.conf] [-r] [-f] [-n] [-m] mailbox...` */
export const registerReconstruct = (program: Command): void => {
  program
    .command('reconstruct')
    .description('rebuild mailbox indexes and caches from the message files (-m: mailboxes.db from the partitions)')
    .argument('[mailbox...]', 'mailbox names as an administrator sees them (user/fred, user.fred, user/fred@example.com) or internal names')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-r, --recursive', 'also every mailbox below each one named')
    .option('-f, --full', 're-read every message file and check size and GUID')
    .option('-n, --check', 'check only: report what is wrong, change nothing (exit 1 if anything is)')
    .option('-m, --mboxlist', 'rebuild mailboxes.db from the cyrus.header files on all partitions')
    .action(async (names: string[], opts: ReconstructToolOptions) => {
      process.exitCode = await runNotifying(opts.config, (notifier) =>
        runReconstruct(names, { ...opts, progress: process.stderr, notifier }, (t) => process.stdout.write(t), (t) => process.stderr.write(t)),
      );
    });
};
