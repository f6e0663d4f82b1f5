import { describe, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { BackendSelector, backendItem, type BackendUsage } from '../../src/partition/backend.js';
import { percentFree } from '../../src/partition/plan.js';
import { seededRandom } from '../../src/partition/random.js';
import type { SelectMode } from '../../src/partition/types.js';

const GiB = 1024 * 1024;

/** The page's backend: part1 1000 GiB with 200 free, part2 1000 GiB with 700 free. */
const PAGE_BACKEND: BackendUsage = {
  server: 'backend1',
  partitions: [
    { name: 'part1', capacityKiB: 1000 * GiB, freeKiB: 200 * GiB },
    { name: 'part2', capacityKiB: 1000 * GiB, freeKiB: 700 * GiB },
  ],
};

/** Another backend, 40 % used in every representation. */
const OTHER: BackendUsage = { server: 'backend2', partitions: [{ name: 'p', capacityKiB: 500 * GiB, freeKiB: 300 * GiB }] };

describe('a backend as one item', () => {
  it.each([
    ['freespace-most', 2000, 900, 45],
    ['freespace-percent-most', 1000, 700, 70],
    ['freespace-percent-weighted', 1000, 700, 70],
    ['freespace-percent-weighted-delta', 1000, 700, 70],
  ] as const)('%s sees %i GiB with %i free (%i %%)', (mode, capacity, free, percent) => {
    const item = backendItem(PAGE_BACKEND, mode);
    expect(item.capacityKiB).toBe(capacity * GiB);
    expect(item.freeKiB).toBe(free * GiB);
    expect(percentFree(item)).toBeCloseTo(percent, 9);
  });
});

function selector(mode: SelectMode, limit: number, reports: BackendUsage[], reinit = 0) {
  const calls: string[][] = [];
  const config = ImapdConfig.fromText(
    [
      'configdirectory: /tmp/unused',
      'serverlist: backend1 backend2',
      `serverlist_select_mode: ${mode}`,
      `serverlist_select_soft_usage_limit: ${limit}`,
      `serverlist_select_usage_reinit: ${reinit}`,
    ].join('\n'),
  );
  const backendSelector = BackendSelector.fromConfig(
    config,
    async (servers) => {
      calls.push([...servers]);
      return reports;
    },
    { random: seededRandom(12) },
  );
  return { backendSelector, calls };
}

describe('BackendSelector', () => {
  it('freespace-most with serverlist_select_soft_usage_limit 50 excludes the page backend (55 % used)', async () => {
    const { backendSelector } = selector('freespace-most', 50, [PAGE_BACKEND, OTHER]);
    expect(await backendSelector.choose()).toBe('backend2');
    expect(backendSelector.lastSelectionPlan()?.overSoftLimit).toEqual(['backend1']);
  });

  it('without the limit, freespace-most picks the page backend (900 GiB free)', async () => {
    const { backendSelector } = selector('freespace-most', 0, [PAGE_BACKEND, OTHER]);
    expect(await backendSelector.choose()).toBe('backend1');
  });

  it.each(['freespace-percent-most', 'freespace-percent-weighted', 'freespace-percent-weighted-delta'] as const)(
    '%s keeps the page backend at limit 50 (30 %% used)',
    async (mode) => {
      const { backendSelector } = selector(mode, 50, [PAGE_BACKEND, OTHER]);
      const chosen = new Set<string>();
      for (let i = 0; i < 200; i++) chosen.add(await backendSelector.choose());
      expect(backendSelector.lastSelectionPlan()?.overSoftLimit).toEqual([]);
      expect(chosen.has('backend1')).toBe(true);
    },
  );

  it('usage is gathered again after serverlist_select_usage_reinit selections', async () => {
    const { backendSelector, calls } = selector('freespace-percent-most', 0, [PAGE_BACKEND, OTHER], 5);
    for (let i = 0; i < 11; i++) await backendSelector.choose();
    expect(calls).toEqual([['backend1', 'backend2'], ['backend1', 'backend2'], ['backend1', 'backend2']]);
  });

  it('concurrent selections share one gathering', async () => {
    const { backendSelector, calls } = selector('freespace-most', 0, [PAGE_BACKEND, OTHER]);
    const results = await Promise.all([backendSelector.choose(), backendSelector.choose(), backendSelector.choose()]);
    expect(results).toEqual(['backend1', 'backend1', 'backend1']);
    expect(calls).toHaveLength(1);
  });

  it('a backend that did not report is left out; none reporting → NotFound', async () => {
    const some = selector('freespace-most', 0, [OTHER]);
    expect(await some.backendSelector.choose()).toBe('backend2');
    const none = selector('freespace-most', 0, []);
    await expect(none.backendSelector.choose()).rejects.toMatchObject({ kind: 'NotFound' });
  });

  it('a failed gathering is a Temp error and is retried on the next selection', async () => {
    let fail = true;
    const config = ImapdConfig.fromText('configdirectory: /tmp/unused\nserverlist: backend2');
    const backendSelector = BackendSelector.fromConfig(config, () => {
      if (fail) throw new Error('connection refused');
      return [OTHER];
    });
    await expect(backendSelector.choose()).rejects.toMatchObject({ kind: 'Temp' });
    fail = false;
    expect(await backendSelector.choose()).toBe('backend2');
  });

  it('random mode does not gather usage and is uniform over serverlist', async () => {
    const { backendSelector, calls } = selector('random', 50, []);
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const name = await backendSelector.choose();
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    expect(calls).toHaveLength(0);
    expect(counts.get('backend1') ?? 0).toBeGreaterThan(900);
    expect(counts.get('backend2') ?? 0).toBeGreaterThan(900);
  });

  it('empty serverlist → NotFound', async () => {
    const backendSelector = BackendSelector.fromConfig(ImapdConfig.fromText('configdirectory: /tmp/unused'), () => []);
    await expect(backendSelector.choose()).rejects.toMatchObject({ kind: 'NotFound' });
  });
});
