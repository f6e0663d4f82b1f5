import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isMailError } from '../../src/common/errors.js';
import { ImapdConfig } from '../../src/config/index.js';
import { seededRandom } from '../../src/partition/random.js';
import { PartitionSelector } from '../../src/partition/selector.js';
import type { PartitionUsage, PartitionUsageReader } from '../../src/partition/types.js';
import { partitionPathProblem, readPartitionUsage } from '../../src/partition/usage.js';

const root = mkdtempSync(join(tmpdir(), 'cyrusts-partition-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Fake statfs: name → [capacity, free, device]; counts its calls. */
function fakeReader(table: Record<string, [number, number, string?]>): PartitionUsageReader & { calls: number } {
  const reader = ((name: string, path: string): PartitionUsage => {
    reader.calls += 1;
    const row = table[name];
    if (!row) throw new Error(`ENOENT: ${path}`);
    const [capacityKiB, freeKiB, device = name] = row;
    return { name, path, device, capacityKiB, freeKiB, usedKiB: capacityKiB - freeKiB };
  }) as PartitionUsageReader & { calls: number };
  reader.calls = 0;
  return reader;
}

/** The fake partitions' paths (/srv/...) do not exist: these tests are about usage, not paths. */
const everyPathUsable = () => null;

function conf(lines: string[]): ImapdConfig {
  return ImapdConfig.fromText([`configdirectory: ${root}/conf`, ...lines].join('\n'), join(root, 'imapd.conf'));
}

const FOUR = ['partition-item1: /srv/p1', 'partition-item2: /srv/p2', 'partition-item3: /srv/p3', 'partition-item4: /srv/p4'];
const PAGE_USAGE: Record<string, [number, number]> = { item1: [1000, 400], item2: [1000, 600], item3: [100, 30], item4: [100, 70] };

function chooseMany(selector: PartitionSelector, count: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const name = selector.choose();
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

describe('PartitionSelector from imapd.conf', () => {
  it('defaults to freespace-most', () => {
    const selector = PartitionSelector.fromConfig(conf(FOUR), { checkPath: everyPathUsable, readUsage: fakeReader(PAGE_USAGE), random: seededRandom(1) });
    expect(selector.settings.mode).toBe('freespace-most');
    expect(selector.choose()).toBe('item2');
  });

  it.each([
    ['freespace-percent-most', 'item4'],
    ['freespace-most', 'item2'],
  ])('partition_select_mode %s picks %s', (mode, expected) => {
    const selector = PartitionSelector.fromConfig(conf([...FOUR, `partition_select_mode: ${mode}`]), { checkPath: everyPathUsable, readUsage: fakeReader(PAGE_USAGE) });
    expect(selector.choose()).toBe(expected);
  });

  it('a service view can set its own mode (imap_partition_select_mode)', () => {
    const config = conf([...FOUR, 'imap_partition_select_mode: freespace-percent-most']).forService('imap');
    expect(PartitionSelector.fromConfig(config, { checkPath: everyPathUsable, readUsage: fakeReader(PAGE_USAGE) }).choose()).toBe('item4');
  });

  it('partition_select_exclude keeps partitions out, even the best one', () => {
    const selector = PartitionSelector.fromConfig(conf([...FOUR, 'partition_select_exclude: item2, item4']), {
      checkPath: everyPathUsable,
      readUsage: fakeReader(PAGE_USAGE),
      random: seededRandom(2),
    });
    expect(chooseMany(selector, 200)).toEqual(new Map([['item1', 200]]));
  });

  it('every partition excluded → Temp', () => {
    const selector = PartitionSelector.fromConfig(conf(['partition-a: /srv/a', 'partition_select_exclude: a']), { checkPath: everyPathUsable, readUsage: fakeReader({}) });
    expect(() => selector.choose()).toThrow(expect.objectContaining({ kind: 'Temp' }));
  });

  it('no partition configured → Temp', () => {
    const selector = PartitionSelector.fromConfig(conf(['partition_select_mode: random']));
    let caught: unknown;
    try {
      selector.choose();
    } catch (err) {
      caught = err;
    }
    expect(isMailError(caught, 'Temp')).toBe(true);
  });

  it('an explicitly set defaultpartition wins over the mode (as mboxlist does in Cyrus)', () => {
    const reader = fakeReader(PAGE_USAGE);
    const selector = PartitionSelector.fromConfig(conf([...FOUR, 'defaultpartition: item3', 'partition_select_exclude: item3']), { checkPath: everyPathUsable, readUsage: reader });
    expect(chooseMany(selector, 10)).toEqual(new Map([['item3', 10]]));
    expect(reader.calls).toBe(0);
  });

  it('a defaultpartition without its partition-NAME → Temp', () => {
    const selector = PartitionSelector.fromConfig(conf([...FOUR, 'defaultpartition: nowhere']), { checkPath: everyPathUsable, readUsage: fakeReader(PAGE_USAGE) });
    expect(() => selector.choose()).toThrow(expect.objectContaining({ kind: 'Temp' }));
  });

  it('soft usage limit from the config', () => {
    const limited = PartitionSelector.fromConfig(conf([...FOUR, 'partition_select_soft_usage_limit: 35']), { checkPath: everyPathUsable, readUsage: fakeReader(PAGE_USAGE) });
    expect(limited.choose()).toBe('item4');
    expect(limited.lastSelectionPlan()?.overSoftLimit).toEqual(['item1', 'item2', 'item3']);
  });

  it('partitions on one device count once in freespace-most', () => {
    const usage: Record<string, [number, number, string]> = { a: [100, 50, 'd1'], b: [100, 50, 'd1'], c: [100, 50, 'd2'] };
    const selector = PartitionSelector.fromConfig(conf(['partition-a: /x/a', 'partition-b: /x/b', 'partition-c: /y/c']), {
      checkPath: everyPathUsable,
      readUsage: fakeReader(usage),
      random: seededRandom(4),
    });
    const counts = chooseMany(selector, 4000);
    expect(counts.get('c') ?? 0).toBeGreaterThan(1800);
    expect(counts.get('c') ?? 0).toBeLessThan(2200);
  });

  it('an unreadable partition makes the choice random', () => {
    const selector = PartitionSelector.fromConfig(conf(['partition-a: /x/a', 'partition-b: /x/b']), {
      checkPath: everyPathUsable,
      readUsage: fakeReader({ a: [100, 90] }),
      random: seededRandom(8),
    });
    const counts = chooseMany(selector, 400);
    expect(counts.get('b') ?? 0).toBeGreaterThan(150);
    expect(selector.lastSelectionPlan()?.usageUnknown).toBe(true);
  });
});

describe('usage reinit', () => {
  it.each([
    [0, 10, 1],
    [1, 10, 10],
    [3, 1, 1],
    [3, 3, 1],
    [3, 4, 2],
    [3, 7, 3],
    [3, 9, 3],
    [3, 10, 4],
  ])('with partition_select_usage_reinit %i, %i selections read usage %i time(s)', (reinit, selections, reads) => {
    const reader = fakeReader(PAGE_USAGE);
    const selector = PartitionSelector.fromConfig(conf([...FOUR, `partition_select_usage_reinit: ${reinit}`]), { checkPath: everyPathUsable, readUsage: reader });
    const perRead = reader.calls; // 0: nothing is read before the first selection
    for (let i = 0; i < selections; i++) selector.choose();
    expect(perRead).toBe(0);
    expect(reader.calls / 4).toBe(reads);
  });

  it('re-read usage changes the choice; cached usage does not', () => {
    const usage: Record<string, [number, number]> = { a: [100, 90], b: [100, 10] };
    const reader = fakeReader(usage);
    const selector = PartitionSelector.fromConfig(conf(['partition-a: /x/a', 'partition-b: /x/b', 'partition_select_usage_reinit: 2']), { checkPath: everyPathUsable, readUsage: reader });
    expect(selector.choose()).toBe('a');
    usage.a = [100, 5];
    expect(selector.choose()).toBe('a'); // still the cached figures
    expect(selector.choose()).toBe('b'); // third selection: read again
  });

  it('random mode never reads usage', () => {
    const reader = fakeReader(PAGE_USAGE);
    const selector = PartitionSelector.fromConfig(conf([...FOUR, 'partition_select_mode: random']), { checkPath: everyPathUsable, readUsage: reader, random: seededRandom(3) });
    const counts = chooseMany(selector, 4000);
    expect(reader.calls).toBe(0);
    for (const name of ['item1', 'item2', 'item3', 'item4']) expect(counts.get(name) ?? 0).toBeGreaterThan(850);
  });
});

describe('real statfs', () => {
  it('reads a temp directory', () => {
    const dir = join(root, 'p-real');
    mkdirSync(dir);
    const usage = readPartitionUsage('real', dir);
    expect(usage.capacityKiB).toBeGreaterThan(0);
    expect(usage.freeKiB).toBeGreaterThanOrEqual(0);
    expect(usage.freeKiB).toBeLessThanOrEqual(usage.capacityKiB);
    expect(usage.usedKiB).toBeLessThanOrEqual(usage.capacityKiB);
    expect(usage.device).toMatch(/^\d+$/);
  });

  it('a partition directory that does not exist is not measured on a parent', () => {
    expect(() => readPartitionUsage('later', join(root, 'not', 'yet', 'there'))).toThrow(/ENOENT/);
  });

  it.each([
    ['an existing directory', 'dir', null],
    ['a missing path', 'missing/x', 'does not exist'],
    ['a file', 'file', 'is not a directory'],
    ['a path below a file', 'file/x', 'does not exist'],
  ])('partitionPathProblem: %s', (_, relative, problem) => {
    mkdirSync(join(root, 'check', 'dir'), { recursive: true });
    writeFileSync(join(root, 'check', 'file'), 'x');
    expect(partitionPathProblem(join(root, 'check', relative))).toBe(problem);
  });

  it('the real path check keeps a mistyped partition path out of the selection', () => {
    mkdirSync(join(root, 'real-ok'));
    const selector = PartitionSelector.fromConfig(conf([`partition-ok: ${root}/real-ok`, `partition-typo: ${root}/real-okk/spool`, `partition-gone: /nonexist/x`]), {
      random: seededRandom(5),
    });
    expect(chooseMany(selector, 50)).toEqual(new Map([['ok', 50]]));
    expect(selector.unavailable()).toEqual(new Map([['typo', 'does not exist'], ['gone', 'does not exist']]));
    expect(selector.usage().map((u) => u.name)).toEqual(['ok']);
  });

  it('PartitionSelector with the real reader picks a configured partition', () => {
    mkdirSync(join(root, 'r1'));
    mkdirSync(join(root, 'r2'));
    const selector = PartitionSelector.fromConfig(conf([`partition-r1: ${root}/r1`, `partition-r2: ${root}/r2`, 'partition_select_mode: freespace-percent-weighted-delta']));
    expect(['r1', 'r2']).toContain(selector.choose());
    expect(selector.usage().map((u) => u.name)).toEqual(['r1', 'r2']);
  });
});

describe('partitions whose directory is missing or not writable', () => {
  /** Path → problem; a path not listed is usable. */
  const PROBLEMS: Record<string, string> = { '/srv/p2': 'does not exist', '/srv/p4': 'is not writable (EACCES)' };
  const checkPath = (path: string) => PROBLEMS[path] ?? null;

  // The page's example with item2 (most free KiB) missing and item4 (most free %) read-only:
  // each mode chooses among item1 and item3 only, as if the other two were over the soft limit.
  it.each([
    ['freespace-most', { item1: 1 }],
    ['freespace-percent-most', { item1: 1 }],
    ['freespace-percent-weighted', { item1: 40 / 70, item3: 30 / 70 }],
    ['freespace-percent-weighted-delta', { item1: 10.5 / 11, item3: 0.5 / 11 }],
    ['random', { item1: 0.5, item3: 0.5 }],
  ])('%s leaves them out', (mode, odds) => {
    const reader = fakeReader(PAGE_USAGE);
    const selector = PartitionSelector.fromConfig(conf([...FOUR, `partition_select_mode: ${mode}`]), { checkPath, readUsage: reader, random: seededRandom(11) });
    const draws = 4000;
    const counts = chooseMany(selector, draws);
    expect([...counts.keys()].sort()).toEqual(Object.keys(odds).sort());
    for (const [name, p] of Object.entries(odds)) expect(Math.abs((counts.get(name) ?? 0) / draws - p)).toBeLessThan(0.03);
    expect(selector.unavailable()).toEqual(new Map([['item2', 'does not exist'], ['item4', 'is not writable (EACCES)']]));
    // Their usage is never read: a missing path would otherwise be an unreadable item (random choice).
    expect(reader.calls).toBe(mode === 'random' ? 0 : 2);
  });

  it('none left → Temp naming each reason, and nothing is read', () => {
    const reader = fakeReader(PAGE_USAGE);
    const selector = PartitionSelector.fromConfig(conf(['partition-item2: /srv/p2', 'partition-item4: /srv/p4', 'partition-item1: /srv/p1', 'partition_select_exclude: item1']), { checkPath, readUsage: reader });
    expect(() => selector.choose()).toThrow(expect.objectContaining({ kind: 'Temp', message: expect.stringMatching(/item2 does not exist, item4 is not writable/) }));
    expect(reader.calls).toBe(0);
  });

  it('is logged when a partition becomes unusable and when it comes back, not at every selection', () => {
    const lines: Array<{ level: number; partition?: string; msg: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const problems: Record<string, string | null> = { '/x/a': null, '/x/b': 'does not exist' };
    const usage: Record<string, [number, number]> = { a: [100, 10], b: [100, 90] };
    const selector = PartitionSelector.fromConfig(conf(['partition-a: /x/a', 'partition-b: /x/b']), {
      checkPath: (path) => problems[path] ?? null,
      readUsage: fakeReader(usage),
      logger,
    });
    for (let i = 0; i < 5; i++) expect(selector.choose()).toBe('a');
    expect(lines.map((l) => [l.level, l.partition])).toEqual([[40, 'b']]);
    expect(lines[0]!.msg).toContain('does not exist');
    // b's directory appears: it is measured at once (usage_reinit 0 would otherwise never read it) and wins.
    problems['/x/b'] = null;
    expect(selector.choose()).toBe('b');
    expect(lines.map((l) => [l.level, l.partition])).toEqual([[40, 'b'], [30, 'b']]);
    expect(selector.unavailable().size).toBe(0);
  });
});
