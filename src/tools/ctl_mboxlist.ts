import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { isMailError } from '../common/errors.js';
import { dumpMailboxList, loadMailboxList } from '../store/dump.js';
import type { ChangeNotifier } from '../store/mail-store.js';
import { EXIT_DATAERR, openStoreForTool, type Writer } from '../store/tool-support.js';
import { runNotifying } from './notify.js';
import { runMupdateSync } from './mupdate-sync.js';

export interface CtlMboxlistOptions {
  config: string;
  dump?: boolean;
  undump?: boolean;
  /** With -d: only this partition. */
  partition?: string;
  /** Hears of every mailbox entry -u loads (see src/tools/notify.ts). */
  notifier?: ChangeNotifier;
  /** -m: sync the mupdate master with the local list (src/tools/mupdate-sync.ts), with -a / -w. */
  mupdate?: boolean;
  authoritative?: boolean;
  whatIf?: boolean;
}

/**
 * `-d` writes mailboxes.db as text, one mailbox per line (name TAB JSON); `-u` loads such text
 * (from `input`, normally stdin), replacing entries of the same name. Returns the exit status.
 */
export function runCtlMboxlist(options: CtlMboxlistOptions, input: () => string, out: Writer, err: Writer): number {
  if (options.dump === options.undump) {
    err('ctl_mboxlist: give exactly one of -d and -u\n');
    return 64;
  }
  const opened = openStoreForTool('ctl_mboxlist', options.config, err, options.notifier);
  if (typeof opened === 'number') return opened;
  const { store } = opened;
  try {
    if (options.dump) {
      for (const line of dumpMailboxList(store.mailboxes)) {
        if (options.partition && !line.includes(`"partition":${JSON.stringify(options.partition)}`)) continue;
        out(line);
      }
      return 0;
    }
    const loaded: string[] = [];
    const count = loadMailboxList(store.mailboxes, input(), (name) => {
      store.checkName(name);
      loaded.push(name);
    });
    for (const name of loaded) store.notifyChanged(name);
    err(`ctl_mboxlist: loaded ${count} mailboxes\n`);
    return 0;
  } catch (e) {
    if (!isMailError(e)) throw e;
    err(`ctl_mboxlist: ${e.message}\n`);
    return EXIT_DATAERR;
  } finally {
    store.close();
  }
}

/** `cyrusts ctl_mboxlist [-C imapd.conf] -d [-p partition] | -u < dump | -m [-a] [-w]`. */
export const registerCtlMboxlist = (program: Command): void => {
  program
    .command('ctl_mboxlist')
    .description('dump mailboxes.db as text (-d), load such a dump from stdin (-u), or sync a Murder backend\'s list with the mupdate master (-m)')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-d, --dump', 'write every mailbox, one per line, to stdout')
    .option('-u, --undump', 'load a dump from stdin')
    .option('-p, --partition <name>', 'with -d: only mailboxes on this partition')
    .option('-m, --mupdate', 'Murder backend: make the mupdate master list exactly the local mailboxes (conflicts are reported, never deleted here)')
    .option('-a, --authoritative', 'with -m: the local list wins conflicts too (ACTIVATE them here)')
    .option('-w, --what-if', 'with -m: print what would be done, change nothing')
    .action(async (opts: CtlMboxlistOptions) => {
      if (opts.mupdate) {
        if (opts.dump || opts.undump) {
          process.stderr.write('ctl_mboxlist: -m goes without -d and -u\n');
          process.exitCode = 64;
          return;
        }
        const write = (t: string) => process.stdout.write(t);
        process.exitCode = await runMupdateSync({ config: opts.config, authoritative: opts.authoritative, whatIf: opts.whatIf, progress: process.stderr }, write, (t) => process.stderr.write(t));
        return;
      }
      process.exitCode = await runNotifying(opts.config, (notifier) =>
        runCtlMboxlist({ ...opts, notifier }, () => readFileSync(0, 'utf8'), (t) => process.stdout.write(t), (t) => process.stderr.write(t)),
      );
    });
};
