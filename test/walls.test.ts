// The walls between the layers, read from the import graph of src/ and bin/.
// Each rule names every offending import as "file -> target"; there is no exception list.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');

/** One import: the importing file and what it names (a repo-relative .ts path, or a package name). */
interface ImportEdge { file: string; target: string }

const protocolFolders = new Set(['src/imap', 'src/pop3', 'src/lmtp', 'src/sieve', 'src/murder', 'src/smmap']);
const fileAccess = new Set(['fs', 'fs/promises', 'node:fs', 'node:fs/promises']);

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

function toRepoPath(path: string): string {
  return relative(root, path).split(sep).join('/');
}

/** Every static, re-export and dynamic import of the .ts files under src/ and bin/. */
function readImportGraph(): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const path of [...sourceFiles(join(root, 'src')), ...sourceFiles(join(root, 'bin'))]) {
    const info = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      const target = fileName.startsWith('.')
        ? toRepoPath(resolve(dirname(path), fileName)).replace(/\.js$/, '.ts')
        : fileName;
      edges.push({ file: toRepoPath(path), target });
    }
  }
  return edges;
}

/** `src/imap` for `src/imap/wire/x.ts`, `bin` for `bin/cyrusts.ts`; undefined for packages. */
function folderOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[0] === 'bin' && parts.length > 1) return 'bin';
  if (parts[0] === 'src' && parts.length > 2) return `${parts[0]}/${parts[1]}`;
  return undefined;
}

const show = (edge: ImportEdge): string => `${edge.file} -> ${edge.target}`;

/** Protocol folders reach other folders only through `<folder>/index.ts`; no SQLite, no file access. */
function protocolBreaks(edges: ImportEdge[]): string[] {
  const breaks: string[] = [];
  for (const edge of edges) {
    const from = folderOf(edge.file);
    if (from === undefined || !protocolFolders.has(from)) continue;
    const to = folderOf(edge.target);
    if (edge.target === 'better-sqlite3' || fileAccess.has(edge.target)) {
      breaks.push(`${show(edge)} (protocol code opens no database and no file)`);
    } else if (to !== undefined && to !== from && edge.target !== `${to}/index.ts`) {
      breaks.push(`${show(edge)} (use ${to}/index.ts)`);
    }
  }
  return breaks;
}

/** message, acl and master import no protocol; config imports nothing of ours outside itself. */
function layerBreaks(edges: ImportEdge[]): string[] {
  const breaks: string[] = [];
  for (const edge of edges) {
    const from = folderOf(edge.file);
    const to = folderOf(edge.target);
    if (from === undefined || to === undefined || from === to) continue;
    if (['src/message', 'src/acl', 'src/master'].includes(from) && protocolFolders.has(to)) {
      breaks.push(`${show(edge)} (${from} imports no protocol)`);
    } else if (from === 'src/config') {
      breaks.push(`${show(edge)} (config imports nothing of ours)`);
    }
  }
  return breaks;
}

/** Imports that close a cycle between folders of src/ (strongly connected components, Tarjan). */
function folderCycles(edges: ImportEdge[]): string[] {
  const between = edges.filter((edge) => {
    const from = folderOf(edge.file);
    const to = folderOf(edge.target);
    return from !== undefined && to !== undefined && from !== to && from !== 'bin' && to !== 'bin';
  });
  const next = new Map<string, Set<string>>();
  for (const edge of between) {
    const from = folderOf(edge.file)!;
    if (!next.has(from)) next.set(from, new Set());
    next.get(from)!.add(folderOf(edge.target)!);
  }
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const component = new Map<string, number>();
  let counter = 0;
  const visit = (folder: string): void => {
    order.set(folder, counter);
    low.set(folder, counter);
    counter += 1;
    stack.push(folder);
    for (const target of next.get(folder) ?? []) {
      if (!order.has(target)) {
        visit(target);
        low.set(folder, Math.min(low.get(folder)!, low.get(target)!));
      } else if (!component.has(target)) {
        low.set(folder, Math.min(low.get(folder)!, order.get(target)!));
      }
    }
    if (low.get(folder) === order.get(folder)) {
      for (;;) {
        const member = stack.pop()!;
        component.set(member, order.get(folder)!);
        if (member === folder) break;
      }
    }
  };
  for (const folder of next.keys()) if (!order.has(folder)) visit(folder);
  return between
    .filter((edge) => component.get(folderOf(edge.file)!) === component.get(folderOf(edge.target)!))
    .map((edge) => `${show(edge)} (import cycle between folders)`);
}

describe('walls', () => {
  const graph = readImportGraph();

  it('reads the import graph', () => {
    expect(graph.some((edge) => edge.file === 'bin/cyrusts.ts')).toBe(true);
    expect(graph.some((edge) => edge.target === 'better-sqlite3')).toBe(true);
  });

  it('protocol folders use only the entry points of other folders, and no SQLite or file access', () => {
    expect(protocolBreaks(graph)).toEqual([]);
  });

  it('message, acl and master import no protocol; config imports nothing of ours', () => {
    expect(layerBreaks(graph)).toEqual([]);
  });

  it('no import cycle between folders', () => {
    expect(folderCycles(graph)).toEqual([]);
  });
});

describe('the wall rules name each break', () => {
  const edge = (file: string, target: string): ImportEdge => ({ file, target });

  it('a deep import, SQLite or fs in a protocol folder', () => {
    expect(protocolBreaks([
      edge('src/pop3/session.ts', 'src/store/index.ts'),
      edge('src/pop3/session.ts', 'src/pop3/wire.ts'),
      edge('src/pop3/session.ts', 'src/store/seen.ts'),
      edge('src/lmtp/deliver.ts', 'better-sqlite3'),
      edge('src/imap/x.ts', 'node:fs/promises'),
      edge('src/store/seen.ts', 'better-sqlite3'),
    ])).toEqual([
      'src/pop3/session.ts -> src/store/seen.ts (use src/store/index.ts)',
      'src/lmtp/deliver.ts -> better-sqlite3 (protocol code opens no database and no file)',
      'src/imap/x.ts -> node:fs/promises (protocol code opens no database and no file)',
    ]);
  });

  it('message, acl or master importing a protocol; config importing ours', () => {
    expect(layerBreaks([
      edge('src/message/a.ts', 'src/imap/wire/b.ts'),
      edge('src/acl/index.ts', 'src/pop3/index.ts'),
      edge('src/master/m.ts', 'src/lmtp/service.ts'),
      edge('src/config/options/p.ts', 'src/partition/types.ts'),
      edge('src/config/options/p.ts', 'src/config/types.ts'),
      edge('src/store/x.ts', 'src/message/index.ts'),
      edge('bin/cyrusts.ts', 'src/imap/program.ts'),
    ])).toEqual([
      'src/message/a.ts -> src/imap/wire/b.ts (src/message imports no protocol)',
      'src/acl/index.ts -> src/pop3/index.ts (src/acl imports no protocol)',
      'src/master/m.ts -> src/lmtp/service.ts (src/master imports no protocol)',
      'src/config/options/p.ts -> src/partition/types.ts (config imports nothing of ours)',
    ]);
  });

  it('a cycle through three folders, and none through bin/', () => {
    expect(folderCycles([
      edge('src/store/a.ts', 'src/mailbox/index.ts'),
      edge('src/mailbox/b.ts', 'src/message/index.ts'),
      edge('src/message/c.ts', 'src/store/index.ts'),
      edge('src/imap/d.ts', 'src/store/index.ts'),
      edge('bin/cyrusts.ts', 'src/master/index.ts'),
      edge('src/master/e.ts', 'bin/cyrusts.ts'),
    ])).toEqual([
      'src/store/a.ts -> src/mailbox/index.ts (import cycle between folders)',
      'src/mailbox/b.ts -> src/message/index.ts (import cycle between folders)',
      'src/message/c.ts -> src/store/index.ts (import cycle between folders)',
    ]);
  });
});
