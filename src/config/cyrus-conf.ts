import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseListen, type ListenAddress } from './cyrus-conf-listen.js';

/**
 * maxchild of a SERVICES entry that names none. A worker serves many connections (about 17 KiB
 * each before login), so the default is sized for thousands rather than Cyrus's process count.
 */
export const DEFAULT_MAXCHILD = 10_000;

/** The four sections of cyrus.conf. */
export type CyrusConfSection = 'START' | 'SERVICES' | 'EVENTS' | 'DAEMON';
const SECTIONS: readonly CyrusConfSection[] = ['START', 'SERVICES', 'EVENTS', 'DAEMON'];

export interface EntryBase {
  readonly name: string;
  /** The command line as written, e.g. "imapd -U 30". */
  readonly cmd: string;
  readonly file: string;
  readonly line: number;
}

export type StartEntry = EntryBase;

export interface ServiceEntry extends EntryBase {
  readonly listen: ListenAddress;
  /** As written, for messages and change detection. */
  readonly listenText: string;
  readonly proto: 'tcp' | 'tcp4' | 'tcp6' | 'udp' | 'udp4' | 'udp6';
  /** Worker processes kept running (Cyrus's prefork); absent or 0: one per core. */
  readonly prefork: number;
  /** Most concurrent connections of the service (connections, not processes); absent: DEFAULT_MAXCHILD; -1: no limit. */
  readonly maxchild: number;
  readonly babysit: boolean;
  readonly maxforkrate: number;
  readonly maxfds: number;
  /**
   * optional=yes: a listener that cannot open (address in use, TLS pair missing) is logged and
   * skipped; otherwise the master refuses to start.
   */
  readonly optional?: boolean;
}

export interface EventEntry extends EntryBase {
  /** Minutes between runs; 0 means "only at `at`" (or once at start when neither is set). */
  readonly period: number;
  /** Local time of day as minutes since midnight, or null. */
  readonly at: number | null;
}

export interface DaemonEntry extends EntryBase {
  /** Cyrus's wait=y: the master waits for the daemon to report ready (accepted; we start it and go on). */
  readonly wait: boolean;
}

export interface CyrusConf {
  readonly file: string;
  readonly start: readonly StartEntry[];
  readonly services: readonly ServiceEntry[];
  readonly events: readonly EventEntry[];
  readonly daemon: readonly DaemonEntry[];
}

export interface CyrusConfProblem {
  file: string;
  line: number;
  message: string;
}

/** cyrus.conf could not be used: every problem with its file and line. */
export class CyrusConfError extends Error {
  constructor(readonly problems: readonly CyrusConfProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'));
    this.name = 'CyrusConfError';
  }
}

/** Keys each section accepts (Cyrus 3.6's names). */
const KEYS: Record<CyrusConfSection, ReadonlySet<string>> = {
  START: new Set(['cmd']),
  SERVICES: new Set(['cmd', 'listen', 'proto', 'prefork', 'maxchild', 'babysit', 'maxforkrate', 'maxfds', 'optional']),
  EVENTS: new Set(['cmd', 'period', 'at']),
  DAEMON: new Set(['cmd', 'wait']),
};

interface RawEntry {
  section: CyrusConfSection;
  name: string;
  args: Map<string, string>;
  line: number;
}

/** Split `key=value key="quoted value"` into pairs; throws a message on bad syntax. */
export function splitArguments(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const keyMatch = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(text.slice(i));
    if (!keyMatch) throw new Error(`expected key=value at "${text.slice(i, i + 20)}"`);
    const key = keyMatch[1]!.toLowerCase();
    i += keyMatch[0].length;
    let value: string;
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new Error(`unterminated quoted value of ${key}`);
      value = text.slice(i + 1, end);
      i = end + 1;
      if (i < text.length && !/\s/.test(text[i]!)) throw new Error(`expected a space after the quoted value of ${key}`);
    } else {
      const start = i;
      while (i < text.length && !/\s/.test(text[i]!)) i++;
      value = text.slice(start, i);
      if (value.includes('"')) throw new Error(`stray quote in the value of ${key}`);
    }
    pairs.push([key, value]);
  }
  return pairs;
}

/** A line without its comment; a # inside a quoted value is kept. */
function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === '#' && !quoted) return line.slice(0, i);
  }
  return line;
}

function tokenizeSections(text: string, file: string, problems: CyrusConfProblem[]): RawEntry[] {
  const entries: RawEntry[] = [];
  let section: CyrusConfSection | null = null;
  let pendingSection: { name: CyrusConfSection; line: number } | null = null;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = stripComment(raw).trim();
    if (content === '') return;
    if (section === null) {
      if (pendingSection) {
        if (content === '{') {
          section = pendingSection.name;
          pendingSection = null;
          return;
        }
        problems.push({ file, line: pendingSection.line, message: `expected "{" after section ${pendingSection.name}` });
        pendingSection = null;
      }
      const header = /^([A-Za-z]+)\s*(\{)?\s*(.*)$/.exec(content);
      const name = header?.[1]?.toUpperCase() as CyrusConfSection | undefined;
      if (!header || !name || !SECTIONS.includes(name)) {
        problems.push({ file, line, message: `expected a section (${SECTIONS.join(', ')}) followed by "{"` });
        return;
      }
      if (header[3]) {
        problems.push({ file, line, message: `unexpected text after "${name} {"` });
        return;
      }
      if (header[2]) section = name;
      else pendingSection = { name, line };
      return;
    }
    if (content === '}') {
      section = null;
      return;
    }
    const entry = /^(\S+)\s*(.*)$/.exec(content)!;
    const name = entry[1]!;
    if (!/^[A-Za-z0-9]+$/.test(name)) {
      problems.push({ file, line, message: `entry name "${name}" may hold only letters and digits` });
      return;
    }
    try {
      const args = new Map<string, string>();
      for (const [key, value] of splitArguments(entry[2]!)) {
        if (args.has(key)) throw new Error(`${key} given twice`);
        args.set(key, value);
      }
      entries.push({ section, name, args, line });
    } catch (err) {
      problems.push({ file, line, message: `${name}: ${(err as Error).message}` });
    }
  });
  if (section !== null) problems.push({ file, line: text.split(/\r?\n/).length, message: `section ${section as string} is not closed with "}"` });
  if (pendingSection !== null) {
    const p = pendingSection as { name: CyrusConfSection; line: number };
    problems.push({ file, line: p.line, message: `expected "{" after section ${p.name}` });
  }
  return entries;
}

function integer(raw: RawEntry, key: string, fallback: number, min: number): number {
  const text = raw.args.get(key);
  if (text === undefined) return fallback;
  if (!/^-?\d+$/.test(text)) throw new Error(`${key}=${text}: expected a whole number`);
  const n = Number(text);
  if (n < min) throw new Error(`${key}=${text}: must be at least ${min}`);
  return n;
}

function flag(raw: RawEntry, key: string): boolean {
  const text = raw.args.get(key)?.toLowerCase();
  if (text === undefined) return false;
  if (['1', 'y', 'yes', 't', 'true', 'on'].includes(text)) return true;
  if (['0', 'n', 'no', 'f', 'false', 'off'].includes(text)) return false;
  if (/^\d+$/.test(text)) return Number(text) !== 0;
  throw new Error(`${key}=${text}: expected yes/no, true/false or a number`);
}

/** "0401" → 241 minutes after midnight. */
export function parseAt(text: string): number {
  const m = /^(\d{1,2})(\d{2})$/.exec(text);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new Error(`at=${text}: expected a time of day as HHMM (0000 to 2359)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

const PROTOS = ['tcp', 'tcp4', 'tcp6', 'udp', 'udp4', 'udp6'] as const;

function buildEntry(raw: RawEntry, file: string, baseDir: string, conf: { start: StartEntry[]; services: ServiceEntry[]; events: EventEntry[]; daemon: DaemonEntry[] }): void {
  for (const key of raw.args.keys()) if (!KEYS[raw.section].has(key)) throw new Error(`unknown argument "${key}" in ${raw.section} (known: ${[...KEYS[raw.section]].join(', ')})`);
  const cmd = raw.args.get('cmd')?.trim();
  if (!cmd) throw new Error('cmd="..." is required');
  const base: EntryBase = { name: raw.name, cmd, file, line: raw.line };
  switch (raw.section) {
    case 'START':
      conf.start.push(base);
      return;
    case 'DAEMON':
      conf.daemon.push({ ...base, wait: flag(raw, 'wait') });
      return;
    case 'EVENTS': {
      const at = raw.args.has('at') ? parseAt(raw.args.get('at')!) : null;
      conf.events.push({ ...base, period: integer(raw, 'period', 0, 0), at });
      return;
    }
    case 'SERVICES': {
      const listenText = raw.args.get('listen');
      if (!listenText) throw new Error('listen="..." is required');
      if (conf.services.some((s) => s.name === raw.name)) throw new Error(`service name "${raw.name}" is used twice`);
      const proto = (raw.args.get('proto') ?? 'tcp').toLowerCase();
      if (!(PROTOS as readonly string[]).includes(proto)) throw new Error(`proto=${proto}: expected one of ${PROTOS.join(', ')}`);
      const babysit = flag(raw, 'babysit');
      let maxforkrate = integer(raw, 'maxforkrate', 0, 0);
      if (babysit && maxforkrate === 0) maxforkrate = 10;
      conf.services.push({
        ...base,
        listen: parseListen(listenText, baseDir),
        listenText,
        proto: proto as ServiceEntry['proto'],
        prefork: integer(raw, 'prefork', 0, 0) || availableParallelism(),
        maxchild: integer(raw, 'maxchild', DEFAULT_MAXCHILD, -1),
        babysit,
        maxforkrate,
        maxfds: integer(raw, 'maxfds', 256, 0),
        optional: flag(raw, 'optional'),
      });
      return;
    }
  }
}

/** Parse cyrus.conf text as if read from `file`; throws CyrusConfError listing every problem. */
export function parseCyrusConf(text: string, file = '<text>'): CyrusConf {
  const problems: CyrusConfProblem[] = [];
  const raws = tokenizeSections(text, file, problems);
  const conf = { start: [] as StartEntry[], services: [] as ServiceEntry[], events: [] as EventEntry[], daemon: [] as DaemonEntry[] };
  const baseDir = file.startsWith('<') ? process.cwd() : dirname(resolve(file));
  for (const raw of raws) {
    try {
      buildEntry(raw, file, baseDir, conf);
    } catch (err) {
      problems.push({ file, line: raw.line, message: `${raw.section} ${raw.name}: ${(err as Error).message}` });
    }
  }
  if (problems.length > 0) throw new CyrusConfError(problems);
  return { file, ...conf };
}

/** Read and parse a cyrus.conf file. */
export function loadCyrusConf(file: string): CyrusConf {
  const absolute = resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new CyrusConfError([{ file: absolute, line: 0, message: `cannot read: ${(err as Error).message}` }]);
  }
  return parseCyrusConf(text, absolute);
}
