import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, ImapdConfig } from '../config/index.js';
import { isMailError } from '../common/errors.js';
import { DuplicateStore, duplicateDbPath } from '../store/index.js';
import { EXIT_CONFIG, EXIT_TEMPFAIL, type Writer } from '../store/tool-support.js';

export interface CtlDeliverOptions {
  config: string;
  /** -d: dump the database as text. */
  dump?: boolean;
  /** -f: this database file instead of duplicate_db_path / configdirectory/deliver.db. */
  file?: string;
}

/**
 * ctl_deliver -d: the duplicate delivery database (deliver.db) as text, one row per line, oldest
 * first, in the shape of Cyrus's dump: `id: MESSAGE-ID<TAB>to: MAILBOX<TAB>at: UNIX-SECONDS`, with
 * `<TAB>pending` for a delivery whose end was never recorded (its process died), and a Sieve action
 * record (vacation, redirect, duplicate test) as `to: sieve:USERID` with the time it lapses. A
 * missing database is an error, not created. Returns the exit status.
 */
export function runCtlDeliver(options: CtlDeliverOptions, out: Writer, err: Writer): number {
  if (!options.dump) {
    err('ctl_deliver: nothing to do (give -d to dump the database)\n');
    return 64;
  }
  let file = options.file;
  if (file === undefined) {
    try {
      file = duplicateDbPath(ImapdConfig.load(options.config));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      err(`ctl_deliver: ${e.message}\n`);
      return EXIT_CONFIG;
    }
  }
  if (!existsSync(file)) {
    err(`ctl_deliver: ${file}: no such database\n`);
    return 66;
  }
  let db: DuplicateStore;
  try {
    db = DuplicateStore.open(file, { durable: true });
  } catch (e) {
    err(`ctl_deliver: ${file}: ${(e as Error).message}\n`);
    return isMailError(e) ? EXIT_TEMPFAIL : EXIT_CONFIG;
  }
  try {
    for (const entry of db.entries()) {
      const at = Math.floor(entry.at / 1000);
      if (entry.kind === 'delivery') out(`id: ${entry.messageId}\tto: ${entry.mailbox}\tat: ${at}${entry.pending ? '\tpending' : ''}\n`);
      else out(`id: ${entry.key}\tto: sieve:${entry.userid}\tat: ${at}\n`);
    }
  } catch (e) {
    if (!isMailError(e)) throw e;
    err(`ctl_deliver: ${e.message}\n`);
    return EXIT_TEMPFAIL;
  } finally {
    db.close();
  }
  return 0;
}

/** `cyrusts ctl_deliver [-C imapd.conf] -d [-f file]` */
export const registerCtlDeliver = (program: Command): void => {
  program
    .command('ctl_deliver')
    .description('dump the duplicate delivery database (deliver.db) as text (-d)')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-d, --dump', 'write every record, oldest first: id, mailbox (to) and time (at, Unix seconds)')
    .option('-f, --file <file>', 'read this database instead of duplicate_db_path (configdirectory/deliver.db)')
    .action((opts: CtlDeliverOptions) => {
      process.exitCode = runCtlDeliver(opts, (t) => process.stdout.write(t), (t) => process.stderr.write(t));
    });
};
