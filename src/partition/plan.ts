import { randomIndex } from './random.js';
import type { RandomSource, SelectionItem, SelectionPolicy, SelectMode } from './types.js';

/**
 * The pure selection core: items with capacity and free space in, a choice out. A choice is made
 * in two steps so that the odds can be stated exactly (tests, cyr_df, the benchmark): a plan gives
 * each candidate group a weight; a draw picks a group by weight, then one member uniformly.
 */

/** Items that count as one (same id), chosen together with probability weight / total. */
export interface SelectionGroup {
  readonly members: readonly SelectionItem[];
  readonly weight: number;
}

export interface SelectionPlan {
  readonly mode: SelectMode;
  readonly groups: readonly SelectionGroup[];
  /** Some item's usage was missing or inconsistent: the choice fell back to random. */
  readonly usageUnknown: boolean;
  /** Names left out because their usage is above the soft usage limit. */
  readonly overSoftLimit: readonly string[];
  /** Every item was above the soft usage limit, so the limit was not applied. */
  readonly softLimitIgnored: boolean;
}

/** Modes in which items sharing an id (a device, a backend) are considered only once. */
const DEDUPLICATING_MODES: ReadonlySet<SelectMode> = new Set(['freespace-most', 'freespace-percent-most']);

/** Percentage of free space, or null when the usage is missing or inconsistent. */
export function percentFree(item: SelectionItem): number | null {
  if (!(item.capacityKiB > 0) || !Number.isFinite(item.freeKiB)) return null;
  const percent = (item.freeKiB * 100) / item.capacityKiB;
  return percent >= 0 && percent <= 100 ? percent : null;
}

function groupById(items: readonly SelectionItem[]): SelectionItem[][] {
  const byId = new Map<string, SelectionItem[]>();
  for (const item of items) {
    const group = byId.get(item.id);
    if (group) group.push(item);
    else byId.set(item.id, [item]);
  }
  return [...byId.values()];
}

function uniformPlan(mode: SelectMode, items: readonly SelectionItem[], usageUnknown: boolean): SelectionPlan {
  return { mode, groups: items.map((item) => ({ members: [item], weight: 1 })), usageUnknown, overSoftLimit: [], softLimitIgnored: false };
}

/** The weight of each candidate (by its free space and percent free) in a non-random mode. */
function modeWeights(mode: SelectMode, candidates: ReadonlyArray<{ free: number; percent: number }>): number[] {
  switch (mode) {
    case 'freespace-most': {
      const best = Math.max(...candidates.map((c) => c.free));
      return candidates.map((c) => (c.free === best ? 1 : 0));
    }
    case 'freespace-percent-most': {
      const best = Math.max(...candidates.map((c) => c.percent));
      return candidates.map((c) => (c.percent >= best - 1e-9 ? 1 : 0));
    }
    case 'freespace-percent-weighted':
      return candidates.map((c) => c.percent);
    case 'freespace-percent-weighted-delta': {
      const lowest = Math.min(...candidates.map((c) => c.percent));
      return candidates.map((c) => c.percent - lowest + 0.5);
    }
    case 'random':
      return candidates.map(() => 1);
  }
}

/** Decide every candidate's weight under the policy. */
export function planSelection(items: readonly SelectionItem[], policy: SelectionPolicy): SelectionPlan {
  const { mode } = policy;
  if (mode === 'random') return uniformPlan(mode, items, false);
  // Like Cyrus: one unreadable item makes the usage figures meaningless, so choose at random.
  if (items.some((item) => percentFree(item) === null)) return uniformPlan(mode, items, true);

  const groups = (DEDUPLICATING_MODES.has(mode) ? groupById(items) : items.map((item) => [item])).map((members) => ({
    members,
    free: members[0].freeKiB,
    percent: percentFree(members[0]) ?? 0,
  }));

  let candidates = groups;
  let overSoftLimit: string[] = [];
  let softLimitIgnored = false;
  if (policy.softUsageLimit > 0) {
    const within = groups.filter((g) => 100 - g.percent <= policy.softUsageLimit);
    if (within.length === 0) {
      softLimitIgnored = groups.length > 0;
    } else {
      overSoftLimit = groups.filter((g) => !within.includes(g)).flatMap((g) => g.members.map((m) => m.name));
      candidates = within;
    }
  }

  let weights = candidates.length > 0 ? modeWeights(mode, candidates) : [];
  // All weights zero (every candidate completely full): any of them is as fitting as another.
  if (weights.length > 0 && weights.every((w) => w <= 0)) weights = weights.map(() => 1);
  return {
    mode,
    groups: candidates.map((c, i) => ({ members: c.members, weight: Math.max(0, weights[i]) })),
    usageUnknown: false,
    overSoftLimit,
    softLimitIgnored,
  };
}

/** Pick one item by the plan's weights, or null when the plan has no candidate. */
export function drawFromPlan(plan: SelectionPlan, random: RandomSource): SelectionItem | null {
  const total = plan.groups.reduce((sum, g) => sum + g.weight, 0);
  if (!(total > 0)) return null;
  const target = random() * total;
  let reached = 0;
  let chosen: SelectionGroup | undefined;
  for (const group of plan.groups) {
    if (group.weight <= 0) continue;
    chosen = group;
    reached += group.weight;
    if (target < reached) break;
  }
  if (!chosen) return null;
  return chosen.members[randomIndex(random, chosen.members.length)];
}

/** Each item's exact probability of being chosen under the plan. */
export function planOdds(plan: SelectionPlan): Map<string, number> {
  const total = plan.groups.reduce((sum, g) => sum + g.weight, 0);
  const odds = new Map<string, number>();
  for (const group of plan.groups) {
    for (const member of group.members) odds.set(member.name, total > 0 ? group.weight / total / group.members.length : 0);
  }
  return odds;
}

/** The whole core in one call: plan, then draw. */
export function selectItem(items: readonly SelectionItem[], policy: SelectionPolicy, random: RandomSource): SelectionItem | null {
  return drawFromPlan(planSelection(items, policy), random);
}
