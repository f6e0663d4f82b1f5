import { accessSync, constants } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { servicePrograms } from './service.js';

/** What a cyrus.conf cmd= turns into here. */
export type CommandPlan =
  /** A connection-serving program run inside worker processes (imapd, pop3d, lmtpd). */
  | { kind: 'service'; program: string; args: string[] }
  /** One of our own subcommands, run as `cyrusts NAME -C imapd.conf ARGS`. */
  | { kind: 'subcommand'; name: string; args: string[] }
  /** A Cyrus program whose job this server already does some other way: nothing to run. */
  | { kind: 'builtin'; program: string; reason: string }
  /** Another executable, run as it is. */
  | { kind: 'external'; path: string; args: string[] }
  /** A program we neither have nor can find. */
  | { kind: 'missing'; program: string; reason: string };

/** Debian and other packagers' names for Cyrus programs, mapped to the Cyrus names. */
const ALIASES: Readonly<Record<string, string>> = {
  expire: 'cyr_expire',
  dbconfig: 'cyr_dbtool',
  cyrmaster: 'master',
};

/** Cyrus programs that have nothing to do in this server, and why. */
const BUILTIN_REASONS: Readonly<Record<string, string>> = {
  idled: 'the master itself runs the change-notification hub on idlesocket',
  ctl_cyrusdb: 'the databases are SQLite in WAL mode, which recover and checkpoint by themselves',
  tls_prune: 'TLS sessions are cached in memory only, so there is no session database to prune',
  notifyd: 'lmtpd sends the notifications of Sieve scripts (the mailto method) itself, through the MTA',
};

/** Split a command line into words; double and single quotes group, backslash escapes. */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in "${text}"`);
  if (inWord) words.push(word);
  return words;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findExecutable(name: string, searchPath: string): string | null {
  if (name.includes('/')) return isExecutable(name) ? name : null;
  for (const dir of searchPath.split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/**
 * Map a cmd= to what runs. A Cyrus program named by path ("/usr/sbin/cyrus ctl_cyrusdb -r",
 * "/usr/lib/cyrus/bin/imapd -U 30") is recognised by its base name; `subcommands` are the names our
 * own command-line program has. Anything else runs as an external command when it can be found.
 */
export function planCommand(cmd: string, subcommands: ReadonlySet<string>, searchPath = process.env.PATH ?? ''): CommandPlan {
  const words = splitCommandLine(cmd);
  if (words.length === 0) return { kind: 'missing', program: '', reason: 'empty command' };
  // Debian's wrapper: "/usr/sbin/cyrus TOOL ARGS" runs Cyrus's TOOL.
  if (basename(words[0]!) === 'cyrus' && words.length > 1) words.shift();
  const [first, ...args] = words as [string, ...string[]];
  const base = basename(first);
  const program = ALIASES[base] ?? base;
  if (program in servicePrograms()) return { kind: 'service', program, args };
  if (subcommands.has(program)) return { kind: 'subcommand', name: program, args };
  const reason = BUILTIN_REASONS[program];
  if (reason) return { kind: 'builtin', program, reason };
  const path = findExecutable(first, searchPath);
  if (path) return { kind: 'external', path, args };
  return { kind: 'missing', program, reason: `no program "${program}" here and no executable "${first}" found` };
}
