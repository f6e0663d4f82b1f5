/**
 * `cyrusts cyr_ls`, Cyrus's cyr_ls: list the mailboxes below a mailbox as `ls` lists a directory's
 * entries (each child shown by its last name component), with -l the ls -l facts of each child's
 * directory, -i its uniqueid, -R every level below in turn, -1 one a line. Shaped like Cyrus 3.6's
 * output: a "name:" heading between blank lines, names needing it in single quotes, others after a
 * space. Without a mailbox it lists the top level (Cyrus 3.6 refuses). A name below which only
 * deeper mailboxes exist (user/fred/a with only user/fred/a/b) is listed like any other child.
 * -m (the metadata directory) shows the same as without it: a mailbox's metadata lives in its own
 * directory here (metapartition-NAME holds none).
 */
import type { Command } from 'commander';
import { isMailError } from '../common/errors.js';
import { encodeModifiedUtf7, tryDecodeModifiedUtf7 } from '../imap/wire/mutf7.js';
import { Namespace, splitName, joinName, type NamingIdentity } from '../names/index.js';
import { directoryFacts, type DirectoryFacts, type MailboxEntry, type MailStore } from '../store/index.js';
import { openStoreForTool, type Writer } from '../store/tool-support.js';
import { toolNames } from './mailbox-names.js';

export interface CyrLsOptions {
  config: string;
  /** -p: the argument is the path of a mailbox directory. */
  path?: boolean;
  /** -7: the argument is in modified UTF-7 (as names are stored), not UTF-8; names are shown so too. */
  utf7?: boolean;
  /** -m: the metadata directory (the same one here). */
  metadata?: boolean;
  /** -i: each mailbox's uniqueid first. */
  ids?: boolean;
  /** -l: ls -l's facts of each mailbox directory. */
  long?: boolean;
  /** -R: every level below, each under its own heading. */
  recursive?: boolean;
  /** -1: one name a line. */
  one?: boolean;
  /** Line width for the columns of the default format. */
  width?: number;
}

const TOOL_ADMIN: NamingIdentity = { localPart: '', domain: null, isAdmin: true, isDomainAdmin: false, isAnonymous: false };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A child: its last component (internal), its full internal name, its entry (null: only deeper ones
 * exist) and the partition its directory is on (a deeper one's for such a name).
 */
interface Child {
  component: string;
  name: string;
  entry: MailboxEntry | null;
  partition: string;
}

/** The children of `parent` (internal; null: the top level), sorted by component. */
function childrenOf(store: MailStore, parent: string | null): Child[] {
  const { domain, components } = parent === null ? { domain: null, components: [] as string[] } : splitName(parent);
  const found = new Map<string, Child>();
  for (const e of store.list(parent === null ? '*' : `${parent}.*`)) {
    const parts = splitName(e.name);
    if (parts.domain !== domain) continue;
    const component = parts.components[components.length];
    if (component === undefined) continue;
    const name = joinName(domain, [...components, component]);
    if (found.has(component)) continue;
    const entry = e.name === name ? e : store.lookup(name);
    found.set(component, { component, name, entry, partition: (entry ?? e).partition });
  }
  return [...found.values()].sort((a, b) => (a.component < b.component ? -1 : a.component > b.component ? 1 : 0));
}

/** A name as ls shows it: in single quotes when a shell would need them, else after a space. */
function quoted(name: string): string {
  if (/^[A-Za-z0-9._,:@%+=^~\-/\u0080-\uffff]+$/.test(name)) return ` ${name}`;
  return `'${name.replaceAll("'", "'\\''")}'`;
}

function modeText(mode: number): string {
  const type = (mode & 0o170000) === 0o040000 ? 'd' : (mode & 0o170000) === 0o120000 ? 'l' : '-';
  let bits = '';
  for (let shift = 6; shift >= 0; shift -= 3) {
    const b = (mode >> shift) & 7;
    bits += `${b & 4 ? 'r' : '-'}${b & 2 ? 'w' : '-'}${b & 1 ? 'x' : '-'}`;
  }
  return type + bits;
}

function longLine(facts: DirectoryFacts | null): string {
  if (facts === null) return `${'?'.repeat(10)} ? ${'?'.padEnd(8)} ${'?'.padEnd(8)} ${'?'.padStart(10)} ${'?'.padEnd(12)}`;
  const d = facts.modified;
  const when = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, '0')} ${String(d.getHours()).padStart(2)}:${String(d.getMinutes()).padStart(2, '0')}`;
  return `${modeText(facts.mode)} ${facts.links} ${facts.owner.padEnd(8)} ${facts.group.padEnd(8)} ${String(facts.size).padStart(10)} ${when}`;
}

/** Names in rows of columns that fit `width`, as ls does without -l. */
function columns(names: readonly string[], width: number): string {
  if (names.length === 0) return '';
  const cell = Math.max(...names.map((n) => n.length)) + 2;
  const perLine = Math.max(1, Math.floor(width / cell));
  let out = '';
  for (let i = 0; i < names.length; i += perLine) out += `${names.slice(i, i + perLine).map((n, k, row) => (k === row.length - 1 ? n : n.padEnd(cell))).join('')}\n`;
  return out;
}

/** Run cyr_ls; returns the exit status. */
export function runCyrLs(args: readonly string[], options: CyrLsOptions, out: Writer, err: Writer): number {
  if (args.length > 1) {
    err('cyr_ls: give at most one mailbox\n');
    return 64;
  }
  const opened = openStoreForTool('cyr_ls', options.config, err);
  if (typeof opened === 'number') return opened;
  const { store, config } = opened;
  const namespace = Namespace.fromConfig(config);
  const show = (component: string): string => {
    const external = namespace.componentToExternal(component);
    return options.utf7 ? external : (tryDecodeModifiedUtf7(external) ?? external);
  };
  /** A whole name as the heading shows it ("user/fred/Sent", "user/fred/Sent@example.com"). */
  const display = (internal: string): string => {
    const external = namespace.toExternal(internal, TOOL_ADMIN) ?? internal;
    return options.utf7 ? external : (tryDecodeModifiedUtf7(external) ?? external);
  };
  const listing = (children: readonly Child[]): string => {
    const names = children.map((c) => quoted(show(c.component)));
    const lines = children.map((c, i) => {
      let line = '';
      if (options.ids) line += `${(c.entry?.uniqueId ?? '').padEnd(40)} `;
      if (options.long) {
        line += `${longLine(directoryFacts(store.directoryOf(c.name, c.partition)))} `;
      }
      return line + names[i];
    });
    if (!options.long && !options.ids && !options.one) return columns(names, options.width ?? 80);
    return lines.map((l) => `${l}\n`).join('');
  };
  const section = (heading: string | null, internal: string | null): void => {
    const children = childrenOf(store, internal);
    out(`${heading === null ? '' : `\n${heading}:\n\n`}${listing(children)}`);
    if (!options.recursive) return;
    for (const c of children) section(display(c.name), c.name);
  };
  try {
    if (args.length === 0) {
      section(null, null);
      return 0;
    }
    const given = args[0]!;
    let internal: string;
    let heading = given;
    if (options.path) {
      const wanted = given.replace(/\/+$/, '');
      const entry = store.list('*').find((e) => e.server === null && store.directoryOf(e.name, e.partition) === wanted);
      if (entry === undefined) {
        err(`cyr_ls: ${given}: not the directory of a mailbox\n`);
        return 1;
      }
      internal = entry.name;
      heading = display(entry.name);
    } else {
      internal = toolNames(config, store).resolve(options.utf7 ? given : encodeModifiedUtf7(given));
    }
    if (store.lookup(internal) === null && childrenOf(store, internal).length === 0) {
      err(`cyr_ls: ${given}: mailbox does not exist\n`);
      return 1;
    }
    section(heading, internal);
    return 0;
  } catch (e) {
    if (!isMailError(e)) throw e;
    err(`cyr_ls: ${args[0] ?? ''}: ${e.message}\n`);
    return 1;
  } finally {
    store.close();
  }
}

/** `cyrusts cyr_ls [-C imapd.conf] [-p] [-7] [-m] [-i] [-l] [-R] [-1] [mailbox]` */
export const registerCyrLs = (program: Command): void => {
  program
    .command('cyr_ls')
    .description('list the mailboxes below a mailbox as ls lists a directory (the top level without one)')
    .argument('[mailbox]', 'a mailbox name as an administrator sees it (user/fred, user.fred) or an internal name')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-p, --path', 'the argument is the path of a mailbox directory, not a mailbox name')
    .option('-7, --utf7', 'the argument is in modified UTF-7 (as stored), not UTF-8; names are shown so too')
    .option('-m, --metadata', 'the metadata directories (the same as the data directories here)')
    .option('-i, --ids', 'print the uniqueid of each mailbox')
    .option('-l, --long', 'long listing: ls -l\'s facts of each mailbox directory')
    .option('-R, --recursive', 'list every level below in turn')
    .option('-1, --one', 'one mailbox a line')
    .action((name: string | undefined, opts: CyrLsOptions) => {
      process.exitCode = runCyrLs(name === undefined ? [] : [name], { ...opts, width: process.stdout.columns }, (t) => process.stdout.write(t), (t) => process.stderr.write(t));
    });
};
