/**
 * `cyrusts cyr_dbtool`, Cyrus's cyr_dbtool(8): show, get, set, delete records of one database file,
 * check it (consistent) or checkpoint it (repack). Every database here is SQLite; the backend
 * argument takes Cyrus's names (twoskip, skiplist, flat, sql, ...) so that scripts keep working,
 * and means nothing more: the file is told apart by its tables (src/store/db-file.ts, which also
 * gives each database's key and value text). Reads never hold up the running server: the file is
 * opened read-only and read in one read transaction.
 *
 * Writes go through the class that owns the database, and only where a record is plain key/value:
 * user_deny.db (as cyr_deny), deliver.db, subscriptions.db. Others refuse them and say which tool
 * keeps the server's state whole. Keys (and values) omitted on the command line are read from
 * stdin, one a line: key, then a tab and the value. Every record of a batch is checked before the
 * first is written: one bad record changes nothing.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UseridRules } from '../auth/index.js';
import { isMailError, MailError } from '../common/errors.js';
import { ConfigError, ImapdConfig } from '../config/index.js';
import {
  DB_KINDS, DbFile, checkpointDbFile, escapeText, kindByFileName, openDbWriter, unescapeText, type DbKind, type DbWriter,
} from '../store/index.js';
import { EXIT_CONFIG, EXIT_DATAERR, EXIT_TEMPFAIL, type Writer } from '../store/tool-support.js';

export interface CyrDbtoolOptions {
  config: string;
  /** -n: make the file when it is missing (user_deny.db, deliver.db, subscriptions.db by name). */
  create?: boolean;
  /** -o: print only once the read transaction is over. */
  buffered?: boolean;
  /** -T: use a transaction (reads here always do). */
  transaction?: boolean;
  /** -M: Cyrus's improved mailbox list sort (names here sort one way only). */
  improvedSort?: boolean;
}

/** Cyrus's backend names: accepted, each meaning "the SQLite file given". */
export const BACKENDS = ['flat', 'skiplist', 'twoskip', 'quotalegacy', 'sql', 'berkeley', 'berkeley-nosync', 'berkeley-hash', 'berkeley-hash-nosync', 'zeroskip', 'lmdb', 'sqlite'];
const ACTIONS = ['show', 'get', 'set', 'delete', 'consistent', 'consistency', 'repack'];
const EXIT_USAGE = 64;
const EXIT_NOINPUT = 66;
/** get: a key asked for is not there (as grep: 1). */
const EXIT_NOT_FOUND = 1;

const USAGE = `usage: cyr_dbtool [-C imapd.conf] [-n] [-o] [-T] [-M] <db file> <backend> <action> [<key>] [<value>]
backends: ${BACKENDS.join(', ')} (every database here is SQLite: the name is taken and ignored)
actions: show [<prefix>] | get <key> | set <key> <value> | delete <key> | consistent | consistency | repack
keys (and values) left out are read from stdin, one a line: key, a tab, the value
`;

/** The exit status: 0, 1 (get: a key not found), 64 (usage), 65 (bad record, refused write, not consistent), 66 (no such file), 75, 78. */
export function runCyrDbtool(args: readonly string[], options: CyrDbtoolOptions, input: () => string, out: Writer, err: Writer): number {
  const usage = (why: string): number => {
    err(`cyr_dbtool: ${why}\n${USAGE}`);
    return EXIT_USAGE;
  };
  if (args.length < 3) return usage('name the database file, a backend and an action');
  const [fileArg, backend, action, ...rest] = args as [string, string, string, ...string[]];
  if (!BACKENDS.includes(backend)) return usage(`unknown backend "${backend}"`);
  if (!ACTIONS.includes(action)) return usage(`unknown action "${action}"`);
  const most = action === 'set' ? 2 : action === 'show' || action === 'get' || action === 'delete' ? 1 : 0;
  if (rest.length > most) return usage(`${action} takes ${most === 0 ? 'no arguments' : `at most ${most}`}`);
  if (action === 'set' && rest.length === 1) return usage('set needs a key and a value (or neither: read from stdin)');
  let config: ImapdConfig;
  try {
    config = ImapdConfig.load(options.config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`cyr_dbtool: ${e.message}\n`);
    return EXIT_CONFIG;
  }
  const file = resolve(fileArg);
  try {
    if (options.create) createIfMissing(file, config);
    // Reading first tells the kind (and that the file is one of ours) before anything is written.
    const db = DbFile.open(file);
    let kind: DbKind;
    try {
      kind = db.kind;
      if (action === 'show') return show(db, rest[0] === undefined ? '' : unescapeText(rest[0]), options.buffered === true, out);
      if (action === 'get') return get(db, rest[0] !== undefined ? [unescapeText(rest[0])] : readRecords(input()).map(([key]) => key), out, err);
      if (action === 'consistent' || action === 'consistency') {
        const problems = db.problems();
        for (const problem of problems) err(`cyr_dbtool: ${file}: ${problem}\n`);
        if (action === 'consistent') out(problems.length === 0 ? 'Yes, consistent\n' : 'No, not consistent\n');
        else if (problems.length > 0) out(`Consistency Error for ${file}\n`);
        return problems.length === 0 ? 0 : EXIT_DATAERR;
      }
    } finally {
      db.close();
    }
    if (action === 'repack') {
      checkpointDbFile(file);
      return 0;
    }
    const records = rest.length > 0 ? [[unescapeText(rest[0]!), rest[1] === undefined ? '' : unescapeText(rest[1])] as [string, string]] : readRecords(input());
    return write(kind, file, action as 'set' | 'delete', records, config, err);
  } catch (e) {
    if (!isMailError(e)) throw e;
    err(`cyr_dbtool: ${e.message}\n`);
    return e.kind === 'NotFound' ? EXIT_NOINPUT : e.kind === 'Temp' || e.kind === 'InUse' ? EXIT_TEMPFAIL : EXIT_DATAERR;
  }
}

/** -n: a missing file of a kind that takes writes is made empty, its kind read from its name. */
function createIfMissing(file: string, config: ImapdConfig): void {
  try {
    DbFile.open(file).close();
    return;
  } catch (e) {
    if (!isMailError(e, 'NotFound')) throw e;
  }
  const kind = kindByFileName(file);
  if (kind === null || DB_KINDS[kind].readOnly !== null) {
    const makeable = (Object.keys(DB_KINDS) as DbKind[]).filter((k) => DB_KINDS[k].readOnly === null).map((k) => DB_KINDS[k].file);
    throw new MailError('NotFound', `${file}: no such database file; -n makes only ${makeable.join(', ')} (the server makes the others)`);
  }
  writerFor(kind, file, config).close();
}

function writerFor(kind: DbKind, file: string, config: ImapdConfig): DbWriter {
  const rules = new UseridRules(config);
  return openDbWriter(kind, file, {
    durable: !config.bool('fsync_disabled'),
    maxNameLength: config.int('maxmailboxnamelength'),
    canonicalUserid: (userid) => rules.tryCanonical(userid),
  });
}

function show(db: DbFile, prefix: string, buffered: boolean, out: Writer): number {
  const lines: string[] = [];
  const emit = buffered ? (line: string) => lines.push(line) : out;
  db.show(prefix, (key, value) => emit(`${escapeText(key, false)}\t${escapeText(value, true)}\n`));
  for (const line of lines) out(line);
  return 0;
}

function get(db: DbFile, keys: readonly string[], out: Writer, err: Writer): number {
  let status = 0;
  for (const key of keys) {
    const value = db.get(key);
    if (value === null) {
      err(`cyr_dbtool: ${escapeText(key, false)}: no such key\n`);
      status = EXIT_NOT_FOUND;
    } else out(`${escapeText(value, true)}\n`);
  }
  return status;
}

/** Every record checked, then (none refused) all written. */
function write(kind: DbKind, file: string, action: 'set' | 'delete', records: ReadonlyArray<[string, string]>, config: ImapdConfig, err: Writer): number {
  const writer = writerFor(kind, file, config);
  try {
    const changes: Array<() => unknown> = [];
    let refused = 0;
    for (const [key, value] of records) {
      try {
        changes.push(action === 'set' ? writer.prepareSet(key, value) : writer.prepareDelete(key));
      } catch (e) {
        if (!isMailError(e) || (e.kind !== 'Invalid' && e.kind !== 'BadName')) throw e;
        err(`cyr_dbtool: ${escapeText(key, false)}: ${e.message}\n`);
        refused++;
      }
    }
    if (refused > 0) {
      err(`cyr_dbtool: nothing written (${refused} bad record(s))\n`);
      return EXIT_DATAERR;
    }
    let missing = 0;
    for (const change of changes) if (change() === false) missing++;
    if (missing > 0) err(`cyr_dbtool: ${missing} key(s) to delete were not there\n`);
    return 0;
  } finally {
    writer.close();
  }
}

/** stdin's records: each non-empty line a key, then (after a tab) a value. */
function readRecords(text: string): Array<[string, string]> {
  const records: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (trimmed === '') continue;
    const tab = trimmed.indexOf('\t');
    records.push(tab < 0 ? [unescapeText(trimmed), ''] : [unescapeText(trimmed.slice(0, tab)), unescapeText(trimmed.slice(tab + 1))]);
  }
  return records;
}

/** `cyrusts cyr_dbtool [-C imapd.conf] [-n] [-o] [-T] [-M] <db file> <backend> <action> [<key>] [<value>]` */
export const registerCyrDbtool = (program: Command): void => {
  program
    .command('cyr_dbtool')
    .description('show, get, set or delete records of a database file (every one here is SQLite; the backend name is taken and ignored), check it (consistent) or checkpoint it (repack)')
    .argument('[args...]', '<db file> <backend> <action> [<key>] [<value>]: actions show [<prefix>], get <key>, set <key> <value>, delete <key>, consistent, consistency, repack; keys left out are read from stdin (key TAB value, one a line)')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-n, --create', 'make the file when it is missing (user_deny.db, deliver.db, subscriptions.db, by name)')
    .option('-o, --buffered', 'print only once the whole read is done')
    .option('-T, --use-transaction', 'read in one transaction (always so here)')
    .option('-M, --improved-mboxlist-sort', 'accepted: mailbox names sort one way only here')
    .addHelpText('after', `
Backends (Cyrus's names, all taken): ${BACKENDS.slice(0, 6).join(', ')},
${BACKENDS.slice(6).join(', ')}.
Every database here is SQLite: the file is told apart by its tables, whatever backend is named.
Set and delete are taken by user_deny.db, deliver.db and subscriptions.db; the others are read
only (the refusal names the tool to use). Reads never make the running server wait.
Exit status: 0; 1 get: a key not found; 64 usage; 65 a bad record, a refused write, not
consistent, not one of our databases; 66 no such file; 75 busy or unreadable; 78 configuration.`)
    .action((args: string[], opts: CyrDbtoolOptions & { useTransaction?: boolean; improvedMboxlistSort?: boolean }) => {
      const options: CyrDbtoolOptions = { config: opts.config, create: opts.create, buffered: opts.buffered, transaction: opts.useTransaction, improvedSort: opts.improvedMboxlistSort };
      process.exitCode = runCyrDbtool(args, options, () => readFileSync(0, 'utf8'), (t) => process.stdout.write(t), (t) => process.stderr.write(t));
    });
};
