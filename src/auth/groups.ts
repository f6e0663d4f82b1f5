/**
 * Group membership for "group:NAME" ACL identifiers: /etc/group (members listed, and the primary
 * group of an /etc/passwd entry) plus an optional file in /etc/group format (auth_groupfile).
 * Each file is re-read when its modification time or size changes; it is looked at (stat) at most
 * once per `recheckMs` (default 1 s), since rights checks ask for a user's groups on every command.
 */
import { statSync, readFileSync } from 'node:fs';

interface Cached<T> {
  mtimeMs: number;
  size: number;
  value: T;
}

type GroupTable = { members: Map<string, Set<string>>; byGid: Map<string, string> };

function parseGroupFile(text: string): GroupTable {
  const members = new Map<string, Set<string>>();
  const byGid = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [name, , gid, list] = line.split(':');
    if (!name) continue;
    if (gid) byGid.set(gid.trim(), name);
    for (const member of (list ?? '').split(',')) {
      const m = member.trim();
      if (!m) continue;
      let set = members.get(m);
      if (!set) members.set(m, (set = new Set()));
      set.add(name);
    }
  }
  return { members, byGid };
}

function parsePasswd(text: string): Map<string, string> {
  const gidOf = new Map<string, string>();
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 4 && fields[0]) gidOf.set(fields[0], fields[3]!);
  }
  return gidOf;
}

class WatchedFile<T> {
  private cached: Cached<T> | null = null;
  /** When the file was last looked at, and what that gave. */
  private checked: { at: number; value: T } | null = null;
  constructor(
    private readonly path: string,
    private readonly parse: (text: string) => T,
    private readonly empty: T,
    private readonly recheckMs: number,
    private readonly now: () => number,
  ) {}

  get(): T {
    const now = this.now();
    if (this.checked && now - this.checked.at < this.recheckMs && now >= this.checked.at) return this.checked.value;
    const value = this.load();
    this.checked = { at: now, value };
    return value;
  }

  private load(): T {
    let stat;
    try {
      stat = statSync(this.path);
    } catch {
      this.cached = null;
      return this.empty;
    }
    if (this.cached && this.cached.mtimeMs === stat.mtimeMs && this.cached.size === stat.size) return this.cached.value;
    try {
      const value = this.parse(readFileSync(this.path, 'utf8'));
      this.cached = { mtimeMs: stat.mtimeMs, size: stat.size, value };
      return value;
    } catch {
      return this.empty;
    }
  }
}

export interface GroupSources {
  /** Default /etc/group; null to skip. */
  systemGroupFile?: string | null;
  /** Default /etc/passwd (primary groups); null to skip. */
  passwdFile?: string | null;
  /** auth_groupfile. */
  groupFile?: string | null;
  /** Look at each file at most this often (default 1000 ms). */
  recheckMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

const DEFAULT_RECHECK_MS = 1000;

const EMPTY_TABLE: GroupTable = { members: new Map(), byGid: new Map() };

export class GroupResolver {
  private readonly tables: Array<WatchedFile<GroupTable>> = [];
  private readonly system: WatchedFile<GroupTable> | null;
  private readonly passwd: WatchedFile<Map<string, string>> | null;

  constructor(sources: GroupSources = {}) {
    const recheckMs = sources.recheckMs ?? DEFAULT_RECHECK_MS;
    const now = sources.now ?? Date.now;
    const watch = <T>(path: string, parse: (text: string) => T, empty: T) => new WatchedFile(path, parse, empty, recheckMs, now);
    const systemPath = sources.systemGroupFile === undefined ? '/etc/group' : sources.systemGroupFile;
    this.system = systemPath ? watch(systemPath, parseGroupFile, EMPTY_TABLE) : null;
    if (this.system) this.tables.push(this.system);
    if (sources.groupFile) this.tables.push(watch(sources.groupFile, parseGroupFile, EMPTY_TABLE));
    const passwdPath = sources.passwdFile === undefined ? '/etc/passwd' : sources.passwdFile;
    this.passwd = passwdPath ? watch(passwdPath, parsePasswd, new Map<string, string>()) : null;
  }

  /** Group names `userid` belongs to, sorted. */
  groupsOf(userid: string): string[] {
    const out = new Set<string>();
    for (const table of this.tables) for (const g of table.get().members.get(userid) ?? []) out.add(g);
    const gid = this.passwd?.get().get(userid);
    const primary = gid !== undefined ? this.system?.get().byGid.get(gid) : undefined;
    if (primary) out.add(primary);
    return [...out].sort();
  }
}
