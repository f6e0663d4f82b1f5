/**
 * `cyrusts mbexamine`, Cyrus's mbexamine(8): print what a mailbox's cyrus.header and cyrus.index
 * hold, the index header and each message record, shaped like Cyrus 3.6's output. Where our index
 * differs the lines carry our field names: a schema version instead of generation and minor
 * version, the \Seen count and the seen owner, the expunged records kept, and for each record the
 * sizes of its cache rows (summary, header block) and whether its text is in the search_engine
 * index, instead of Cyrus's cache offsets and version. -u and -s pick one record by UID or sequence
 * number; -q compares the index's byte count with the files' sizes, -c each record with its file
 * (both exit 1 when something differs). Mailboxes may be patterns (* and %), as with Cyrus.
 */
import type { Command } from 'commander';
import { isMailError } from '../common/errors.js';
import type { Examination, ExaminedRecord, Mailbox } from '../mailbox/index.js';
import { Namespace, type NamingIdentity } from '../names/index.js';
import type { MailStore } from '../store/index.js';
import { openStoreForTool, type Writer } from '../store/tool-support.js';
import { toolNames } from './mailbox-names.js';

export interface MbexamineOptions {
  config: string;
  uid?: string;
  seq?: string;
  /** -q: compare the index's byte count (what quota is charged) with the files. */
  quota?: boolean;
  /** -c: compare each record with its file. */
  compare?: boolean;
}

const TOOL_ADMIN: NamingIdentity = { localPart: '', domain: null, isAdmin: true, isDomainAdmin: false, isAnonymous: false };
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "(seconds) Fri Dec  4 17:01:24 2026", local time, as ctime(3) writes it. */
function when(ms: number | null): string {
  if (ms === null) return '(0) none';
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `(${Math.floor(ms / 1000)}) ${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2)} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

const secs = (ms: number | null): string => (ms === null ? '0' : String(Math.floor(ms / 1000)));
const literal = (text: string | Buffer | null): string => (text === null ? '{0}' : `{${Buffer.byteLength(text)}}${text.toString()}`);

function header(x: Examination, path: string): string {
  const h = x.header;
  const r = x.row;
  return [
    ` Mailbox Header Info:`,
    `  Path to mailbox: ${path}`,
    `  Mailbox ACL: ${h === null ? '(cyrus.header unreadable)' : h.acl}`,
    `  Unique ID: ${r.uniqueid}${h !== null && h.uniqueId !== r.uniqueid ? ` (cyrus.header: ${h.uniqueId})` : ''}`,
    `  User Flags: ${x.userFlags.length === 0 ? '[none]' : x.userFlags.join(' ')}`,
    '',
    ' Index Header Info:',
    `  Schema Version: ${x.schemaVersion}`,
    `  Number of Messages: ${r.messages_count}  Mailbox Size: ${r.messages_size} bytes`,
    `  Last Append Date: ${when(x.lastAppend)}`,
    `  UIDValidity: ${r.uidvalidity}  Last UID: ${r.uidnext - 1}  Recent UID: ${r.recentuid}`,
    `  Deleted: ${r.messages_deleted}  Answered: ${x.answered}  Flagged: ${r.messages_flagged}  Seen: ${r.messages_seen}`,
    `  Mailbox Options: ${r.sharedseen === 1 ? 'SHAREDSEEN' : '[none]'}  Seen Owner: ${r.seen_owner ?? '[none]'}  State: ${r.state}`,
    `  Highest Mod Sequence: ${r.highestmodseq}  Deleted Mod Sequence: ${r.deletedmodseq}`,
    `  Expunged Records: ${x.expunged} (${x.expungedWithFiles} with their files)`,
    '',
    ' Message Info:',
    '',
  ].join('\n');
}

function recordText(m: ExaminedRecord): string {
  const s = m.search;
  return [
    `${String(m.seq).padStart(6, '0')}> UID:${String(m.uid).padStart(8, '0')}   INT_DATE:${secs(m.internalDate)} SENTDATE:${secs(m.sent)} SAVEDATE:${secs(m.saveDate)} SIZE:${m.size}`,
    `      > HDRSIZE:${m.headerBytes ?? '-'}    SYSFLAGS:${m.systemBits.toString(16).padStart(8, '0')}  GUID:${m.guid} MODSEQ:${m.modseq}`,
    `      > SYSTEMFLAGS: ${m.systemFlags.join(' ')}`,
    `      > USERFLAGS: ${m.keywords.join(' ')}`,
    `      > CACHE: SUMMARY:${m.summaryBytes ?? '-'} FIELDS:${s === null ? 'no' : 'yes'} TEXTINDEXED:${m.textIndexed ? 'yes' : 'no'}`,
    ` Envel>${literal(m.envelope)}`,
    ` BdyStr>${literal(m.bodyStructure)}`,
    ` From>${literal(s?.from ?? null)}`,
    ` To>${literal(s?.to ?? null)}`,
    ` Cc>${literal(s?.cc ?? null)}`,
    ` Bcc>${literal(s?.bcc ?? null)}`,
    ` Subjct>${literal(s?.subject ?? null)}`,
    '',
  ].join('\n');
}

/** One mailbox in the mode asked for; returns whether something differed (-q, -c). */
function examineOne(mailbox: Mailbox, shown: string, options: MbexamineOptions, select: { uid?: number; seq?: number }, out: Writer): boolean {
  if (options.quota) {
    const u = mailbox.compareUsage();
    const right = u.indexBytes === u.fileBytes && u.missingFiles === 0;
    out(`Examining ${shown}...  Mailbox has ${right ? 'CORRECT' : 'INCORRECT'} total quota usage\n`);
    if (!right) out(`  Index: ${u.indexBytes} bytes  Records: ${u.recordBytes} bytes  Files: ${u.fileBytes} bytes  Missing files: ${u.missingFiles}\n`);
    return !right;
  }
  if (options.compare) {
    const { mismatches } = mailbox.compareWithFiles();
    out(`Examining ${shown}...\n Mailbox Header Info:\n  Path to mailbox: ${mailbox.path}\n\n Index Record Info:${' '.repeat(37)}\tMessage File Info:\n`);
    for (const m of mismatches) {
      const left = `  UID:${String(m.uid).padStart(8, '0')} SIZE:${m.record.size} GUID:${m.record.guid}`;
      out(`${left.padEnd(55)}\t${m.file === null ? 'no file' : `SIZE:${m.file.size} GUID:${m.file.guid}`}\n`);
    }
    return mismatches.length > 0;
  }
  const x = mailbox.examine(select);
  out(`Examining ${shown}...${header(x, mailbox.path)}`);
  if (x.records.length === 0 && (select.uid !== undefined || select.seq !== undefined)) out('Desired message not found\n');
  for (const m of x.records) out(recordText(m));
  return false;
}

/** The mailboxes an argument names: a pattern (* %) or one name; [] when none. */
function mailboxesOf(store: MailStore, namespace: Namespace, resolve: (name: string) => string, given: string): string[] {
  if (!/[*%]/.test(given)) {
    const name = resolve(given);
    return store.lookup(name) === null ? [] : [name];
  }
  const internal = namespace.settings.unixHierarchySep ? given.replaceAll('.', '^').replaceAll('/', '.') : given;
  const names = new Set([...store.list(internal), ...store.list(given)].filter((e) => e.server === null).map((e) => e.name));
  return [...names].sort();
}

/** Run mbexamine; returns the exit status. */
export function runMbexamine(args: readonly string[], options: MbexamineOptions, out: Writer, err: Writer): number {
  const number = (flag: string, text: string | undefined): number | undefined | null => {
    if (text === undefined) return undefined;
    if (/^\d{1,10}$/.test(text) && Number(text) > 0) return Number(text);
    err(`mbexamine: ${flag} needs a number above 0: ${text}\n`);
    return null;
  };
  const uid = number('-u', options.uid);
  const seq = number('-s', options.seq);
  if (uid === null || seq === null) return 64;
  if ([uid !== undefined, seq !== undefined, options.quota, options.compare].filter(Boolean).length > 1 || args.length === 0) {
    err('mbexamine: give one or more mailboxes and at most one of -u, -s, -q, -c\n');
    return 64;
  }
  const opened = openStoreForTool('mbexamine', options.config, err);
  if (typeof opened === 'number') return opened;
  const { store, config } = opened;
  const namespace = Namespace.fromConfig(config);
  const resolver = toolNames(config, store);
  let status = 0;
  try {
    for (const given of args) {
      const names = mailboxesOf(store, namespace, (n) => resolver.resolve(n), given);
      if (names.length === 0) {
        err(`mbexamine: ${given}: no such mailbox\n`);
        status = 1;
        continue;
      }
      for (const name of names) {
        try {
          const mailbox = store.openMailbox(name);
          try {
            if (examineOne(mailbox, namespace.toExternal(name, TOOL_ADMIN) ?? name, options, { uid, seq }, out)) status = 1;
          } finally {
            mailbox.close();
          }
        } catch (e) {
          if (!isMailError(e)) throw e;
          err(`mbexamine: ${name}: ${e.message}\n`);
          status = 1;
        }
      }
    }
  } finally {
    store.close();
  }
  return status;
}

/** `cyrusts mbexamine [-C imapd.conf] [-u uid | -s seq | -q | -c] mailbox...` */
export const registerMbexamine = (program: Command): void => {
  program
    .command('mbexamine')
    .description('print the mailbox header, index header and message records of mailboxes (read only)')
    .argument('<mailbox...>', 'mailbox names as an administrator sees them, or patterns with * and %')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-u, --uid <uid>', 'only the message with this UID')
    .option('-s, --seq <seqnum>', 'only the message with this sequence number')
    .option('-q, --quota', 'compare the byte count in cyrus.index with the sizes of the message files')
    .option('-c, --compare', 'compare each record in cyrus.index with its message file')
    .action((names: string[], opts: MbexamineOptions) => {
      process.exitCode = runMbexamine(names, opts, (t) => process.stdout.write(t), (t) => process.stderr.write(t));
    });
};
