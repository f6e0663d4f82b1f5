import type { Command } from 'commander';
import { isMailError } from '../common/errors.js';
import { reconstructMailbox } from '../mailbox/reconstruct.js';
import { rebuildMailboxList } from '../mailbox/rebuild-list.js';
import { EXIT_TEMPFAIL, openStoreForTool, type Writer } from '../store/tool-support.js';

export interface ReconstructToolOptions {
  config: string;
  recursive?: boolean;
  full?: boolean;
  /** -n: check only, change nothing; exit 1 when something is wrong. */
  check?: boolean;
  /** -m: rebuild mailboxes.db from the headers on the partitions. */
  mboxlist?: boolean;
  /** Progress line on a terminal (stderr TTY). */
  progress?: boolean;
}

/** Run reconstruct; returns the exit status (1 with -n when something needs fixing). */
export function runReconstruct(names: readonly string[], options: ReconstructToolOptions, out: Writer, err: Writer): number {
  const opened = openStoreForTool('reconstruct', options.config, err);
  if (typeof opened === 'number') return opened;
  const { store, config } = opened;
  const verb = options.check ? 'needs' : 'fixed';
  let wrong = 0;
  let status = 0;
  try {
    if (options.mboxlist) {
      const report = rebuildMailboxList(store, config.partitions(), { checkOnly: options.check });
      for (const name of report.added) out(`${name}: ${options.check ? 'missing from' : 'added to'} mailboxes.db\n`);
      for (const dir of report.leftovers) out(`${dir}: leftover ${options.check ? 'found' : 'removed'}\n`);
      for (const problem of report.problems) out(`${problem}\n`);
      wrong += report.added.length + report.leftovers.length;
    }
    const targets: string[] = [];
    for (const name of names) {
      if (options.recursive) {
        const subtree = store.lookup(name) ? store.subtree(name).map((e) => e.name) : [];
        if (subtree.length === 0) {
          err(`reconstruct: ${name}: mailbox does not exist\n`);
          status = 1;
        }
        targets.push(...subtree);
      } else targets.push(name);
    }
    targets.forEach((name, i) => {
      const progress = options.progress ? (done: number, total: number) => err(`\r${name}: ${done}/${total} files  `) : undefined;
      if (options.progress && targets.length > 1) err(`\rmailbox ${i + 1}/${targets.length} ${name}\x1b[K`);
      try {
        const report = reconstructMailbox(store, name, { checkOnly: options.check, full: options.full, onProgress: progress });
        if (options.progress) err('\r\x1b[K');
        if (report.problems.length === 0) {
          out(`${name}: ok\n`);
          return;
        }
        wrong++;
        for (const problem of report.problems) out(`${name}: ${verb}: ${problem}\n`);
      } catch (e) {
        if (!isMailError(e)) throw e;
        err(`reconstruct: ${name}: ${e.message}\n`);
        status = e.kind === 'Temp' ? EXIT_TEMPFAIL : 1;
      }
    });
  } finally {
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
    .argument('[mailbox...]', 'internal mailbox names')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-r, --recursive', 'also every mailbox below each one named')
    .option('-f, --full', 're-read every message file and check size and GUID')
    .option('-n, --check', 'check only: report what is wrong, change nothing (exit 1 if anything is)')
    .option('-m, --mboxlist', 'rebuild mailboxes.db from the cyrus.header files on all partitions')
    .action((names: string[], opts: ReconstructToolOptions) => {
      process.exitCode = runReconstruct(names, { ...opts, progress: process.stderr.isTTY === true }, (t) => process.stdout.write(t), (t) => process.stderr.write(t));
    });
};
