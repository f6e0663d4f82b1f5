import type { Command } from 'commander';
import { isMailError } from '../common/errors.js';
import { openStoreForTool, type Writer } from '../store/tool-support.js';

export interface MbpathOptions {
  config: string;
  /** Stop at the first mailbox that does not exist (-s, as Cyrus's mbpath). */
  stop?: boolean;
}

/** Print the directory of each mailbox (internal names); returns the exit status. */
export function runMbpath(names: readonly string[], options: MbpathOptions, out: Writer, err: Writer): number {
  const opened = openStoreForTool('mbpath', options.config, err);
  if (typeof opened === 'number') return opened;
  const { store } = opened;
  let status = 0;
  try {
    for (const name of names) {
      try {
        store.checkName(name);
        const entry = store.lookup(name);
        if (!entry) {
          err(`mbpath: ${name}: mailbox does not exist\n`);
          status = 1;
          if (options.stop) break;
          continue;
        }
        out(`${store.directoryOf(entry.name, entry.partition)}\n`);
      } catch (e) {
        if (!isMailError(e)) throw e;
        err(`mbpath: ${name}: ${e.message}\n`);
        status = 1;
        if (options.stop) break;
      }
    }
  } finally {
    store.close();
  }
  return status;
}

/** `cyrusts mbpath [-C imapd.conf] [-s] mailbox...`: the directory of each mailbox. */
export const registerMbpath = (program: Command): void => {
  program
    .command('mbpath')
    .description('print the directory of each mailbox (internal names such as user.fred.Sent)')
    .argument('<mailbox...>', 'internal mailbox names')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-s, --stop', 'stop at the first mailbox that does not exist')
    .action((names: string[], opts: MbpathOptions) => {
      process.exitCode = runMbpath(names, opts, (t) => process.stdout.write(t), (t) => process.stderr.write(t));
    });
};
