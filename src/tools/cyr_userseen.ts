/**
 * `cyrusts cyr_userseen`, Cyrus's cyr_userseen(8): remove the seen state of every user on every
 * mailbox of the server. Without -d it only says what it would remove; with -d it removes it.
 *
 * Whose state: all of it, as the man page says ("all user seen state for all mailboxes and all
 * users"): a personal mailbox's owner's \Seen (the records' \Seen bits here), every other user's
 * (seen.db), and a sharedseen mailbox's one \Seen for everyone (the bits). Cyrus 3.6's own code
 * only drops the owners' entries of its seen database, which since 2.4 keep nothing (an owner's
 * \Seen lives in the index there too): run there, it changes nothing a client sees.
 *
 * How: each user's \Seen goes as if that user had sent STORE 1:* -FLAGS (\Seen) (Mailbox.clearSeen:
 * the index lock every \Seen change takes, one new modseq on the messages that change, CONDSTORE
 * and QRESYNC clients see them in CHANGEDSINCE, IDLE sessions of the running server hear of them
 * through the master's hub), then the user's seen.db row of the mailbox goes (UIDs long expunged
 * with it). Remote (Murder) and deleted mailboxes hold nothing here and are passed over.
 */
import type { Command } from 'commander';
import { isMailError } from '../common/errors.js';
import { FLAG_SEEN, type Mailbox } from '../mailbox/index.js';
import { ownerOf } from '../names/index.js';
import type { ChangeNotifier, MailboxEntry, MailStore } from '../store/index.js';
import { EXIT_TEMPFAIL, openStoreForTool, type Writer } from '../store/tool-support.js';
import { adminNames } from './mailbox-names.js';
import { runNotifying } from './notify.js';
import { Progress, type ProgressStream } from './progress.js';

export interface CyrUserseenOptions {
  config: string;
  /** -d: remove; without it only say what would go. */
  delete?: boolean;
  notifier?: ChangeNotifier;
  /** Where the progress line goes (a terminal only). */
  progress?: ProgressStream;
}

/** Whose \Seen a mailbox holds: users by userid, and the records' bits of a sharedseen mailbox (null). */
function holders(store: MailStore, mailbox: Mailbox, entry: MailboxEntry): Array<string | null> {
  const found: Array<string | null> = [];
  if (mailbox.sharedSeen) found.push(null);
  else {
    const owner = ownerOf(entry.name);
    if (owner !== null) found.push(owner);
  }
  for (const userid of store.seen.usersOf(entry.uniqueId)) if (!found.includes(userid)) found.push(userid);
  return found;
}

/**
 * How many messages `userid` (null: everyone, sharedseen) sees as \Seen in `mailbox`; in a
 * sharedseen mailbox a user's own row counts none (the bits, counted once, are everyone's).
 */
function seenCount(mailbox: Mailbox, userid: string | null): number {
  if (userid !== null && mailbox.sharedSeen) return 0;
  const flags = mailbox.snapshot(userid ?? undefined).systemFlags;
  let n = 0;
  for (let i = 0; i < flags.length; i++) if ((flags[i]! & FLAG_SEEN) !== 0) n++;
  return n;
}

/** The exit status: 0, 75 (a mailbox could not be read or changed), 78 (configuration). */
export function runCyrUserseen(options: CyrUserseenOptions, out: Writer, err: Writer): number {
  const opened = openStoreForTool('cyr_userseen', options.config, err, options.notifier);
  if (typeof opened === 'number') return opened;
  const { store, config } = opened;
  const remove = options.delete === true;
  const shown = adminNames(config);
  const progress = new Progress(options.progress);
  const say = (text: string): void => {
    progress.clear();
    out(text);
  };
  let status = 0;
  let states = 0;
  let mailboxes = 0;
  let messages = 0;
  try {
    const entries = store.mailboxes.all().filter((e) => e.type.length === 0 && e.server === null);
    for (const [i, entry] of entries.entries()) {
      progress.update('cyr_userseen: mailboxes', i, entries.length);
      try {
        const mailbox = store.openMailbox(entry.name);
        try {
          let touched = false;
          const rows = new Set(store.seen.usersOf(entry.uniqueId));
          for (const userid of holders(store, mailbox, entry)) {
            const count = remove ? (mailbox.clearSeen(userid)?.changed.length ?? 0) : seenCount(mailbox, userid);
            // Named when something goes: seen messages, or a seen.db row (which may hold only UIDs expunged since).
            if (count === 0 && (userid === null || !rows.has(userid))) continue;
            say(`${remove ? 'removed' : 'would remove'} seen for ${userid ?? 'everyone (sharedseen)'} on ${shown(entry.name)}: ${count} message(s)\n`);
            states++;
            messages += count;
            touched = true;
          }
          if (touched) mailboxes++;
        } finally {
          mailbox.close();
        }
      } catch (e) {
        if (!isMailError(e)) throw e;
        progress.clear();
        err(`cyr_userseen: ${shown(entry.name)}: ${e.message}\n`);
        status = EXIT_TEMPFAIL;
      }
    }
    progress.clear();
    out(`cyr_userseen: ${remove ? 'removed' : 'would remove (run with -d to remove)'} ${states} seen state(s), ${messages} message(s) seen, in ${mailboxes} of ${entries.length} mailbox(es)\n`);
  } catch (e) {
    if (!isMailError(e)) throw e;
    progress.clear();
    err(`cyr_userseen: ${e.message}\n`);
    status = EXIT_TEMPFAIL;
  } finally {
    progress.clear();
    store.close();
  }
  return status;
}

/** `cyrusts cyr_userseen [-C imapd.conf] [-d]` */
export const registerCyrUserseen = (program: Command): void => {
  program
    .command('cyr_userseen')
    .description('remove every user\'s seen state on every mailbox (owners\', other users\', sharedseen mailboxes\'), as a STORE -FLAGS (\\Seen) by each user would; without -d only say what would go')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-d, --delete', 'remove the seen state (without it nothing changes)')
    .action(async (opts: CyrUserseenOptions) => {
      process.exitCode = await runNotifying(opts.config, (notifier) =>
        runCyrUserseen({ ...opts, notifier, progress: process.stderr }, (t) => process.stdout.write(t), (t) => process.stderr.write(t)),
      );
    });
};
