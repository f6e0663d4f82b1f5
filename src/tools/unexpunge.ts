/**
 * `cyrusts unexpunge`, Cyrus's unexpunge(8): list or restore messages expunged from a mailbox whose
 * files are still on the partition (expunge_mode delayed, before `cyr_expire -X` removes them).
 * Restored messages come back with new UIDs, as with Cyrus. The index no longer holds an expunged
 * message's flags, so a restored one gets \Deleted (what an IMAP EXPUNGE needed it to have) unless
 * -d is given, plus the flag of -f; its internal date is the time its file was written.
 */
import type { Command } from 'commander';
import { isMailError } from '../common/errors.js';
import { headerValues } from '../message/index.js';
import type { Mailbox } from '../mailbox/index.js';
import { openStoreForTool, type Writer } from '../store/tool-support.js';
import { toolNames } from './mailbox-names.js';
import { runNotifying } from './notify.js';
import type { ChangeNotifier } from '../store/index.js';

export interface UnexpungeOptions {
  config: string;
  list?: boolean;
  all?: boolean;
  uids?: boolean;
  /** -t: those expunged within this interval ("24h", "2d"; bare: seconds). */
  time?: string;
  /** -d: do not set \Deleted on the restored messages. */
  undelete?: boolean;
  /** -f: a flag to set on the restored messages ("Flagged" is \Flagged; other names are keywords). */
  flag?: string;
  verbose?: boolean;
  notifier?: ChangeNotifier;
}

const SYSTEM_FLAGS = ['Seen', 'Answered', 'Flagged', 'Draft', 'Deleted'];
const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };

/** -t's interval in ms: a number of seconds, or with a unit s, m, h, d or w (as Cyrus's unexpunge); null when malformed. */
export function parseInterval(text: string): number | null {
  const m = /^\s*(\d+)\s*([smhdw]?)\s*$/i.exec(text);
  return m ? Number(m[1]) * UNIT_SECONDS[m[2]!.toLowerCase()]! * 1000 : null;
}

/** -f's name as a flag: a system flag by its name (with or without the backslash), else a keyword. */
function flagOf(name: string): string {
  const bare = name.startsWith('\\') ? name.slice(1) : name;
  const system = SYSTEM_FLAGS.find((f) => f.toLowerCase() === bare.toLowerCase());
  return system ? `\\${system}` : bare;
}

async function listOne(mailbox: Mailbox, uid: number, expungedAt: Date, out: Writer): Promise<void> {
  const bytes = await mailbox.readMessage(uid);
  // headerValues reads the header block only, its values unfolded and decoded.
  const field = (name: string): string => headerValues(bytes, name).join(', ');
  out(`UID: ${uid}\n\tSize: ${bytes.length}\n\tExpg: ${expungedAt.toISOString()}\n\tFrom: ${field('from')}\n\tTo  : ${field('to')}\n\tSubj: ${field('subject')}\n`);
}

/** The exit status: 0, 64 (usage), 69 (no such mailbox), 75 (temporary failure). */
export async function runUnexpunge(name: string, uidArgs: readonly string[], options: UnexpungeOptions, out: Writer, err: Writer): Promise<number> {
  const modes = [options.list, options.all, options.uids, options.time !== undefined].filter(Boolean).length;
  if (modes !== 1) {
    err('unexpunge: give exactly one of -l, -a, -u or -t\n');
    return 64;
  }
  const uids: number[] = [];
  for (const arg of uidArgs) {
    if (!/^[1-9]\d{0,9}$/.test(arg)) {
      err(`unexpunge: not a UID: ${arg}\n`);
      return 64;
    }
    uids.push(Number(arg));
  }
  if (options.uids && uids.length === 0) {
    err('unexpunge: -u needs the UIDs to restore\n');
    return 64;
  }
  let since: number | null = null;
  if (options.time !== undefined) {
    const ms = parseInterval(options.time);
    if (ms === null) {
      err(`unexpunge: not a time interval: ${options.time}\n`);
      return 64;
    }
    since = Date.now() - ms;
  }
  const opened = openStoreForTool('unexpunge', options.config, err, options.notifier);
  if (typeof opened === 'number') return opened;
  const { store, config } = opened;
  try {
    const internal = toolNames(config, store).resolve(name);
    const entry = store.lookup(internal);
    if (entry === null) {
      err(`unexpunge: ${name}: mailbox does not exist\n`);
      return 69;
    }
    const mailbox = store.openMailbox(entry.name);
    try {
      const wanted = new Set(uids);
      const restorable = mailbox.restorable().filter((r) =>
        (options.all || options.time !== undefined || wanted.size === 0 || wanted.has(r.uid)) && (since === null || r.expungedAt.getTime() >= since));
      if (options.list) {
        for (const r of restorable) await listOne(mailbox, r.uid, r.expungedAt, out);
        return 0;
      }
      const flags = [...(options.undelete ? [] : ['\\Deleted']), ...(options.flag ? [flagOf(options.flag)] : [])];
      const restored = await mailbox.restoreExpunged(restorable.map((r) => r.uid), [...new Set(flags)]);
      if (options.verbose) for (const [from, to] of restored) out(`restored UID ${from} as UID ${to}\n`);
      out(`restored ${restored.size} expunged message${restored.size === 1 ? '' : 's'} in ${name}\n`);
      return 0;
    } finally {
      mailbox.close();
    }
  } catch (e) {
    if (!isMailError(e)) throw e;
    err(`unexpunge: ${name}: ${e.message}\n`);
    return 75;
  } finally {
    store.close();
  }
}

/** `cyrusts unexpunge [-C imapd.conf] (-l | -a | -u | -t interval) [-d] [-f flag] [-v] mailbox [uid...]`. */
export const registerUnexpunge = (program: Command): void => {
  program
    .command('unexpunge')
    .description('list (-l) or restore (-a, -u UID..., -t interval) messages expunged from a mailbox whose files are still there (expunge_mode delayed); restored messages get new UIDs')
    .argument('<mailbox>', 'the mailbox, as an administrator names it (user/fred, user.fred.Trash) or its internal name')
    .argument('[uid...]', 'with -l: only these; with -u: the ones to restore')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-l, --list', 'list the expunged messages that can be restored')
    .option('-a, --all', 'restore every one')
    .option('-u, --uids', 'restore the UIDs given after the mailbox')
    .option('-t, --time <interval>', 'restore those expunged within the interval (s, m, h, d, w; bare: seconds)')
    .option('-d, --undelete', 'do not set \\Deleted on the restored messages')
    .option('-f, --flag <name>', 'also set this flag (Flagged: \\Flagged; any other name: that keyword)')
    .option('-v, --verbose', 'print each restored UID and its new UID')
    .action(async (name: string, uidArgs: string[], opts: UnexpungeOptions) => {
      process.exitCode = await runNotifying(opts.config, (notifier) => runUnexpunge(name, uidArgs, { ...opts, notifier }, (t) => process.stdout.write(t), (t) => process.stderr.write(t)));
    });
};
