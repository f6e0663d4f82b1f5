import type { Command } from 'commander';
import { isMailError } from '../common/errors.js';
import { openStoreForTool, type Writer } from '../store/tool-support.js';
import { toolNames } from './mailbox-names.js';

export interface MbpathOptions {
  config: string;
  /** Stop at the first mailbox that does not exist (-s, as Cyrus's mbpath). */
  stop?: boolean;
}

/** Print the directory of each mailbox (names as admins see them, or internal names); returns the exit status. */
export function runMbpath(names: readonly string[], options: MbpathOptions, out: Writer, err: Writer): number {
  const opened = openStoreForTool('mbpath', options.config, err);
  if (typeof opened === 'number') return opened;
  const { store, config } = opened;
  const mailboxNames = toolNames(config, store);
  let status = 0;
  try {
    for (const name of names) {
      try {
        const internal = mailboxNames.resolve(name);
        store.checkName(internal);
        const entry = store.lookup(internal);
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
    .description('print the directory of each mailbox (user/fred/Sent, user.fred.Sent, user/fred@example.com)')
    .argument('<mailbox...>', 'mailbox names as an administrator sees them (either separator) or internal names')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-s, --stop', 'stop at the first mailbox that does not exist')
    .action((names: string[], opts: MbpathOptions) => {
      process.exitCode = runMbpath(names, opts, (t) => process.stdout.write(t), (t) => process.stderr.write(t));
    });
};
