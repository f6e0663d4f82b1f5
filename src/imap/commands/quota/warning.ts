/**
 * The ALERT SELECT gives near or over quota (quotawarn, quotawarnkb, quotawarnmsg), to users who
 * can delete messages there (only they can do something about it).
 */
import type { ImapdConfig } from '../../../config/index.js';
import type { QuotaRoot } from '../../../store/index.js';

/** A resource's state: over its limit, at or past the warning line (with its percentage), or fine. */
function level(used: number, limit: number | null, warnPercent: number, warnRoom: number): 'over' | number | null {
  if (limit === null || limit <= 0) return null;
  if (used > limit) return 'over';
  const percent = Math.floor((used * 100) / limit);
  if (percent < warnPercent) return null;
  // quotawarnkb / quotawarnmsg: warn only when little room is left (0, or a small limit: always).
  if (warnRoom > 0 && limit >= warnRoom && limit - used >= warnRoom) return null;
  return percent;
}

/** The ALERT text for this root, or null when there is nothing to say. */
export function quotaWarning(config: ImapdConfig, quota: QuotaRoot, rootName: string): string | null {
  const warnPercent = config.int('quotawarn');
  const checks: Array<[string, 'over' | number | null]> = [
    ['STORAGE', level(quota.usage.storage / 1024, quota.limits.STORAGE, warnPercent, config.int('quotawarnkb'))],
    ['MESSAGE', level(quota.usage.messages, quota.limits.MESSAGE, warnPercent, config.int('quotawarnmsg'))],
  ];
  const over = checks.find(([, state]) => state === 'over');
  if (over) return `Mailbox is over its ${over[0]} quota (quota root ${rootName})`;
  const near = checks.find(([, state]) => typeof state === 'number');
  if (near) return `Mailbox is at ${near[1]}% of its ${near[0]} quota (quota root ${rootName})`;
  return null;
}
