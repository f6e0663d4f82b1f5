/**
 * `cyrusts cyrdump`, Cyrus's cyrdump(8): every message of every mailbox the patterns select, on
 * stdout, in Cyrus's dump layout. Per mailbox, one multipart/related document:
 *
 *   Content-Type: multipart/related; boundary="dump-PID-SECONDS-RANDOM"
 *   --BOUNDARY, a text/xml part (IMAP-Dump-Version: 0) holding <imapdump uniqueid="..."> with the
 *   mailbox's imap:// URL, <incremental-uid>0, <nextuid>, the <uidlist> and, per system flag
 *   (\Answered, \Deleted, \Draft, \Flagged), the UIDs that have it;
 *   then per message --BOUNDARY, Content-Type: message/rfc822, Content-ID: UID, a blank line and
 *   the message as stored; and a closing --BOUNDARY--.
 *
 * The separator lines end in LF, as Cyrus writes them; the messages are their stored bytes (CRLF).
 * Content-ID is the message's own UID (Cyrus 3.6 prints the next message's, and reads past its list
 * for the last one). Patterns are names or Cyrus wildcard patterns as the other tools take them
 * (user/fred, user.fred, user/*); Cyrus requires at least one, and so do we. A pattern that selects
 * nothing is an error before anything is written. The dump only reads: it takes no \Recent and
 * changes no \Seen. -v says on stderr how many messages each mailbox gave.
 */
import type { Command } from 'commander';
import { hostname } from 'node:os';
import { isMailError } from '../common/errors.js';
import { FLAG_ANSWERED, FLAG_DELETED, FLAG_DRAFT, FLAG_FLAGGED, type Mailbox } from '../mailbox/index.js';
import { EXIT_DATAERR, EXIT_TEMPFAIL, openStoreForTool, type Writer } from '../store/tool-support.js';
import { adminNames, selectMailboxes, toolNames } from './mailbox-names.js';

export const EXIT_USAGE = 64;

export interface CyrdumpOptions {
  config: string;
  /** -v: a line per mailbox on stderr. */
  verbose?: boolean;
  /** The boundary of each mailbox's document (tests); default dump-PID-SECONDS-RANDOM as Cyrus's. */
  boundary?: () => string;
}

/** Where the dump goes: text and message bytes, in order; a returned promise is awaited (a full pipe). */
export type DumpOutput = (chunk: string | Buffer) => void | Promise<void>;

const SYSTEM_FLAGS: ReadonlyArray<[string, number]> = [['\\Answered', FLAG_ANSWERED], ['\\Deleted', FLAG_DELETED], ['\\Draft', FLAG_DRAFT], ['\\Flagged', FLAG_FLAGGED]];

const defaultBoundary = (): string => `dump-${process.pid}-${Math.floor(Date.now() / 1000)}-${Math.floor(Math.random() * 2 ** 31)}`;

/** A UID list element as Cyrus prints one: each UID followed by a space. */
function uidList(tag: string, attributes: string, uids: Iterable<number>): string {
  let text = `  <${tag}${attributes}>`;
  for (const uid of uids) text += `${uid} `;
  return `${text}</${tag}>\n`;
}

/** The imap:// URL of internal name `name` on `server` (RFC 5092: the name's characters escaped). */
export function mailboxUrl(server: string, name: string): string {
  return `imap://${server}/${name.split('/').map((part) => encodeURIComponent(part)).join('/')}`;
}

/** One mailbox's document; returns how many messages went into it. */
async function dumpMailbox(mailbox: Mailbox, url: string, boundary: string, out: DumpOutput): Promise<number> {
  const snapshot = mailbox.snapshot(null);
  const uids = [...snapshot.uids];
  let head = `Content-Type: multipart/related; boundary="${boundary}"\n\n`;
  head += `--${boundary}\nContent-Type: text/xml\nIMAP-Dump-Version: 0\n\n`;
  head += `<imapdump uniqueid="${mailbox.uniqueId}">\n`;
  head += `  <mailbox-url>${url}</mailbox-url>\n  <incremental-uid>0</incremental-uid>\n  <nextuid>${snapshot.uidNext}</nextuid>\n\n`;
  head += uidList('uidlist', '', uids);
  head += '\n  <flags>\n';
  for (const [flag, bit] of SYSTEM_FLAGS) {
    head += uidList('flag', ` name="${flag}" user="*"`, uids.filter((_, i) => (snapshot.systemFlags[i]! & bit) !== 0));
  }
  head += '  </flags>\n</imapdump>\n';
  await out(head);
  for (const uid of uids) {
    const bytes = await mailbox.readMessage(uid);
    await out(`\n--${boundary}\nContent-Type: message/rfc822\nContent-ID: ${uid}\n\n`);
    await out(bytes);
  }
  await out(`\n--${boundary}--\n`);
  return uids.length;
}

/** The exit status: 0, 64 (usage), 65 (a pattern selects nothing), 75 (a mailbox could not be read), 78 (configuration). */
export async function runCyrdump(patterns: readonly string[], options: CyrdumpOptions, out: DumpOutput, err: Writer): Promise<number> {
  if (patterns.length === 0) {
    err('usage: cyrdump [-C imapd.conf] [-v] mboxpattern...\n');
    return EXIT_USAGE;
  }
  const opened = openStoreForTool('cyrdump', options.config, err);
  if (typeof opened === 'number') return opened;
  const { store, config } = opened;
  const shown = adminNames(config);
  const server = config.string('servername') ?? hostname();
  const boundary = options.boundary ?? defaultBoundary;
  let status = 0;
  try {
    const chosen = selectMailboxes(store, toolNames(config, store).resolve, patterns);
    if (!Array.isArray(chosen)) {
      err(`cyrdump: ${chosen.missing}: no such mailbox\n`);
      return EXIT_DATAERR;
    }
    for (const name of chosen) {
      try {
        const mailbox = store.openMailbox(name);
        try {
          const count = await dumpMailbox(mailbox, mailboxUrl(server, name), boundary(), out);
          if (options.verbose === true) err(`cyrdump: ${shown(name)}: ${count} message(s)\n`);
        } finally {
          mailbox.close();
        }
      } catch (e) {
        if (!isMailError(e)) throw e;
        err(`cyrdump: ${shown(name)}: ${e.message}\n`);
        status = EXIT_TEMPFAIL;
      }
    }
  } finally {
    store.close();
  }
  return status;
}

/** process.stdout as a DumpOutput: waits for the pipe to drain when it is full. */
function stdoutOutput(): DumpOutput {
  return (chunk) => {
    if (process.stdout.write(chunk)) return;
    return new Promise<void>((resolve) => process.stdout.once('drain', resolve));
  };
}

/** `cyrusts cyrdump [-C imapd.conf] [-v] mboxpattern...` */
export const registerCyrdump = (program: Command): void => {
  program
    .command('cyrdump')
    .description('dump every message of the mailboxes the patterns select to stdout, one multipart/related document per mailbox (an XML part with the UIDs and system flags, then each message as message/rfc822), as Cyrus\'s cyrdump')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-v, --verbose', 'say on stderr how many messages each mailbox gave')
    .argument('<mboxpatterns...>', 'mailboxes (user/fred, user.fred) or patterns with * and % (user/*)')
    .action(async (patterns: string[], opts: CyrdumpOptions) => {
      process.exitCode = await runCyrdump(patterns, opts, stdoutOutput(), (t) => process.stderr.write(t));
    });
};
