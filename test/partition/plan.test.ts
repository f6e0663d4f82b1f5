import { describe, expect, it } from 'vitest';
import { drawFromPlan, planOdds, planSelection, selectItem } from '../../src/partition/plan.js';
import { seededRandom } from '../../src/partition/random.js';
import type { SelectionItem, SelectMode } from '../../src/partition/types.js';

const GB = 1024 * 1024; // KiB in a GiB: the page's figures scaled to KiB

function item(name: string, capacityGB: number, freeGB: number, id = name): SelectionItem {
  return { name, id, capacityKiB: capacityGB * GB, freeKiB: freeGB * GB };
}

/** The four items of the page's examples. */
const PAGE_ITEMS = [item('item1', 1000, 400), item('item2', 1000, 600), item('item3', 100, 30), item('item4', 100, 70)];

function draws(items: readonly SelectionItem[], mode: SelectMode, count: number, seed: number, softUsageLimit = 0): Map<string, number> {
  const random = seededRandom(seed);
  const plan = planSelection(items, { mode, softUsageLimit });
  const counts = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const chosen = drawFromPlan(plan, random);
    if (chosen) counts.set(chosen.name, (counts.get(chosen.name) ?? 0) + 1);
  }
  return counts;
}

describe('the page examples', () => {
  it.each([
    ['freespace-most', 'item2'],
    ['freespace-percent-most', 'item4'],
  ] as const)('%s picks %s', (mode, expected) => {
    const random = seededRandom(7);
    for (let i = 0; i < 50; i++) expect(selectItem(PAGE_ITEMS, { mode, softUsageLimit: 0 }, random)?.name).toBe(expected);
  });

  const weighted: Array<[SelectMode, number[]]> = [
    ['freespace-percent-weighted', [20, 30, 15, 35]],
    ['freespace-percent-weighted-delta', [12.8, 37.2, 0.6, 49.4]],
  ];

  it.each(weighted)('%s has the odds %j', (mode, expected) => {
    const odds = planOdds(planSelection(PAGE_ITEMS, { mode, softUsageLimit: 0 }));
    PAGE_ITEMS.forEach((it, i) => expect((odds.get(it.name) ?? 0) * 100).toBeCloseTo(expected[i], 1));
  });

  it.each(weighted)('%s over 20,000 seeded draws gives %j within 1.5 points', (mode, expected) => {
    for (const seed of [1, 2024]) {
      const counts = draws(PAGE_ITEMS, mode, 20_000, seed);
      PAGE_ITEMS.forEach((it, i) => {
        const percent = ((counts.get(it.name) ?? 0) * 100) / 20_000;
        expect(Math.abs(percent - expected[i])).toBeLessThanOrEqual(1.5);
      });
    }
  });

  it('the delta weight of item4 is 70 - 30 + 0.5', () => {
    const plan = planSelection(PAGE_ITEMS, { mode: 'freespace-percent-weighted-delta', softUsageLimit: 0 });
    expect(plan.groups.map((g) => g.weight)).toEqual([10.5, 30.5, 0.5, 40.5].map((w) => expect.closeTo(w, 9)));
  });
});

describe('soft usage limit', () => {
  // Usage: item1 60 %, item2 40 %, item3 70 %, item4 30 %.
  const cases: Array<{ mode: SelectMode; limit: number; candidates: string[]; over: string[]; ignored: boolean }> = [
    { mode: 'freespace-most', limit: 0, candidates: ['item1', 'item2', 'item3', 'item4'], over: [], ignored: false },
    { mode: 'freespace-most', limit: 50, candidates: ['item2', 'item4'], over: ['item1', 'item3'], ignored: false },
    { mode: 'freespace-percent-weighted', limit: 65, candidates: ['item1', 'item2', 'item4'], over: ['item3'], ignored: false },
    { mode: 'freespace-percent-weighted-delta', limit: 35, candidates: ['item4'], over: ['item1', 'item2', 'item3'], ignored: false },
    { mode: 'freespace-percent-most', limit: 20, candidates: ['item1', 'item2', 'item3', 'item4'], over: [], ignored: true },
    { mode: 'random', limit: 20, candidates: ['item1', 'item2', 'item3', 'item4'], over: [], ignored: false },
  ];
  it.each(cases)('$mode with limit $limit keeps $candidates', ({ mode, limit, candidates, over, ignored }) => {
    const plan = planSelection(PAGE_ITEMS, { mode, softUsageLimit: limit });
    expect(plan.groups.flatMap((g) => g.members.map((m) => m.name))).toEqual(candidates);
    expect(plan.overSoftLimit).toEqual(over);
    expect(plan.softLimitIgnored).toBe(ignored);
  });

  it('freespace-most with limit 35 keeps only item4; with limit 50 item2 is still the biggest', () => {
    const random = seededRandom(3);
    expect(selectItem(PAGE_ITEMS, { mode: 'freespace-most', softUsageLimit: 35 }, random)?.name).toBe('item4');
    expect(selectItem(PAGE_ITEMS, { mode: 'freespace-most', softUsageLimit: 50 }, random)?.name).toBe('item2');
  });

  it('the delta minimum is taken among the items within the limit', () => {
    const plan = planSelection(PAGE_ITEMS, { mode: 'freespace-percent-weighted-delta', softUsageLimit: 65 });
    // Within the limit: item1 40 % free (the lowest), item2 60 %, item4 70 %.
    expect(plan.groups.map((g) => g.weight)).toEqual([0.5, 20.5, 30.5].map((w) => expect.closeTo(w, 9)));
  });

  it('when all items are over the limit, it is as if it were not set', () => {
    const full = [item('a', 100, 5), item('b', 100, 8), item('c', 200, 2)];
    const withLimit = planOdds(planSelection(full, { mode: 'freespace-percent-weighted', softUsageLimit: 50 }));
    const without = planOdds(planSelection(full, { mode: 'freespace-percent-weighted', softUsageLimit: 0 }));
    expect(withLimit).toEqual(without);
  });
});

describe('items that are actually the same', () => {
  // p1 and p2 are on one device (same figures), p3 on another with the same free space.
  const items = [item('p1', 500, 200, 'dev:1'), item('p2', 500, 200, 'dev:1'), item('p3', 500, 200, 'dev:2')];

  it.each(['freespace-most', 'freespace-percent-most'] as const)('%s counts a device once', (mode) => {
    const odds = planOdds(planSelection(items, { mode, softUsageLimit: 0 }));
    expect(odds.get('p3')).toBeCloseTo(0.5, 9);
    expect((odds.get('p1') ?? 0) + (odds.get('p2') ?? 0)).toBeCloseTo(0.5, 9);
    const counts = draws(items, mode, 4000, 11);
    expect(counts.get('p3') ?? 0).toBeGreaterThan(1800);
    expect(counts.get('p1') ?? 0).toBeGreaterThan(800); // either partition of the device may be the one checked
    expect(counts.get('p2') ?? 0).toBeGreaterThan(800);
  });

  it.each(['freespace-percent-weighted', 'freespace-percent-weighted-delta', 'random'] as const)('%s does not de-duplicate', (mode) => {
    const odds = planOdds(planSelection(items, { mode, softUsageLimit: 0 }));
    for (const name of ['p1', 'p2', 'p3']) expect(odds.get(name)).toBeCloseTo(1 / 3, 9);
  });
});

describe('ties and edge cases', () => {
  it.each(['freespace-most', 'freespace-percent-most'] as const)('%s: equal items are not always the first', (mode) => {
    const tied = [item('a', 100, 50), item('b', 100, 50), item('c', 100, 50), item('d', 100, 10)];
    const counts = draws(tied, mode, 3000, 5);
    for (const name of ['a', 'b', 'c']) expect(counts.get(name) ?? 0).toBeGreaterThan(850);
    expect(counts.get('d')).toBeUndefined();
  });

  it('random is uniform and ignores usage', () => {
    const counts = draws(PAGE_ITEMS, 'random', 20_000, 9);
    for (const it of PAGE_ITEMS) expect(Math.abs(((counts.get(it.name) ?? 0) * 100) / 20_000 - 25)).toBeLessThanOrEqual(1.5);
  });

  it('an item with unreadable usage makes the choice random, like Cyrus', () => {
    const items = [...PAGE_ITEMS, { name: 'broken', id: 'x', capacityKiB: 0, freeKiB: 0 }];
    const plan = planSelection(items, { mode: 'freespace-most', softUsageLimit: 0 });
    expect(plan.usageUnknown).toBe(true);
    for (const p of planOdds(plan).values()) expect(p).toBeCloseTo(0.2, 9);
  });

  it('inconsistent figures (free above capacity) also fall back to random', () => {
    const plan = planSelection([item('a', 10, 20), item('b', 10, 5)], { mode: 'freespace-percent-most', softUsageLimit: 0 });
    expect(plan.usageUnknown).toBe(true);
  });

  it('completely full items in a weighted mode are all equally fitting', () => {
    const odds = planOdds(planSelection([item('a', 10, 0), item('b', 20, 0)], { mode: 'freespace-percent-weighted', softUsageLimit: 0 }));
    expect([...odds.values()]).toEqual([0.5, 0.5]);
  });

  it('no items: no choice', () => {
    expect(selectItem([], { mode: 'freespace-most', softUsageLimit: 50 }, seededRandom(1))).toBeNull();
  });

  it('seeded draws are reproducible', () => {
    const a = draws(PAGE_ITEMS, 'freespace-percent-weighted', 500, 42);
    const b = draws(PAGE_ITEMS, 'freespace-percent-weighted', 500, 42);
    expect(a).toEqual(b);
  });
});
