import { hostname } from 'node:os';
import type { Command } from 'commander';
import { isMailError } from '../common/errors.js';
import { missingMailboxFiles } from '../mailbox/index.js';
import { isRemoteEntry } from '../murder/index.js';
import type { MailboxEntry } from '../store/index.js';
import { openStoreForTool, type Writer } from '../store/tool-support.js';
import { toolNames } from './mailbox-names.js';
import { Progress, type ProgressStream } from './progress.js';

export interface ChkCyrusOptions {
  config: string;
  /** -P: only the mailboxes on this partition. */
  partition?: string;
  /** -M: only this mailbox (a name as administrators see it, or internal). */
  mailbox?: string;
  /** Where the progress line goes (shown only on a terminal): normally process.stderr. */
  progress?: ProgressStream;
}

/**
 * chk_cyrus, as Cyrus's: the files and directories the mailbox list says must exist and do not
 * (a mailbox's directory, its cyrus.header and cyrus.index, each message record's file), one path
 * per line on stdout, for a restore from backup; status on stderr. Mailboxes another server holds
 * (a Murder frontend's mirror) have no files here and are skipped. Returns the exit status: 0 once
 * the check ran, whatever it found (as Cyrus's), 64 for bad arguments, 1 when a mailbox could not be
 * read.
 */
export function runChkCyrus(options: ChkCyrusOptions, out: Writer, err: Writer): number {
  if (options.partition !== undefined && options.mailbox !== undefined) {
    err('chk_cyrus: give -P or -M, not both\nusage: chk_cyrus [-C imapd.conf] [-P partition | -M mailbox]\n');
    return 64;
  }
  const opened = openStoreForTool('chk_cyrus', options.config, err);
  if (typeof opened === 'number') return opened;
  const { store, config } = opened;
  const progress = new Progress(options.progress);
  const print = progress.writer(out);
  const complain = progress.writer(err);
  let status = 0;
  try {
    if (options.partition !== undefined && !config.partitions().has(options.partition)) {
      err(`chk_cyrus: no partition ${options.partition} in ${options.config}\n`);
      return 64;
    }
    let entries: MailboxEntry[];
    if (options.mailbox !== undefined) {
      const name = toolNames(config, store).resolve(options.mailbox);
      const entry = store.lookup(name);
      if (entry === null) {
        err(`chk_cyrus: ${options.mailbox}: mailbox does not exist\n`);
        return 1;
      }
      entries = [entry];
    } else {
      const here = config.string('servername') ?? hostname();
      entries = store.list('*').filter((e) => !isRemoteEntry(e, here) && (options.partition === undefined || e.partition === options.partition));
    }
    err(`chk_cyrus: checking ${entries.length} mailbox${entries.length === 1 ? '' : 'es'}${options.partition !== undefined ? ` on partition ${options.partition}` : ''}\n`);
    let missing = 0;
    entries.forEach((entry, i) => {
      progress.update(entry.name, i + 1, entries.length);
      try {
        for (const path of missingMailboxFiles(store.directoryOf(entry.name, entry.partition), store.durable)) {
          print(`${path}\n`);
          missing++;
        }
      } catch (e) {
        if (!isMailError(e)) throw e;
        complain(`chk_cyrus: ${entry.name}: ${e.message}\n`);
        status = 1;
      }
    });
    complain(`chk_cyrus: ${missing} missing\n`);
  } finally {
    progress.clear();
    store.close();
  }
  return status;
}

/** `cyrusts chk_cyrus [-C imapd.conf] [-P partition | -M mailbox]` */
export const registerChkCyrus = (program: Command): void => {
  program
    .command('chk_cyrus')
    .description('list the files and directories mailboxes.db says must exist and do not (for a restore from backup)')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-P, --partition <name>', 'only the mailboxes on this partition')
    .option('-M, --mailbox <name>', 'only this mailbox (user/fred, user.fred, ...)')
    .action((opts: ChkCyrusOptions) => {
      process.exitCode = runChkCyrus({ ...opts, progress: process.stderr }, (t) => process.stdout.write(t), (t) => process.stderr.write(t));
    });
};
