import { MailError } from '../common/errors.js';
import type { ImapdConfig } from '../config/index.js';
import { drawFromPlan, percentFree, planSelection, type SelectionPlan } from './plan.js';
import { UsageRefresh } from './refresh.js';
import { isSelectMode, type RandomSource, type SelectionItem, type SelectionPolicy, type SelectMode } from './types.js';

/** What a backend reports about its partitions (KiB), as a Murder frontend gathers it. */
export interface BackendUsage {
  readonly server: string;
  readonly partitions: ReadonlyArray<{ readonly name: string; readonly capacityKiB: number; readonly freeKiB: number }>;
}

/** Gathers the usage of the listed backends; a backend missing from the answer is unreachable. */
export type BackendUsageReader = (servers: readonly string[]) => readonly BackendUsage[] | Promise<readonly BackendUsage[]>;

/**
 * A backend as one selection item (the page's "Application" section): the sum of its partitions
 * in freespace-most, its partition with the highest percentage free in the other modes.
 */
export function backendItem(backend: BackendUsage, mode: SelectMode): SelectionItem {
  const base = { name: backend.server, id: `server:${backend.server}` };
  if (mode === 'freespace-most' || mode === 'random') {
    let capacityKiB = 0;
    let freeKiB = 0;
    for (const p of backend.partitions) {
      capacityKiB += p.capacityKiB;
      freeKiB += p.freeKiB;
    }
    return { ...base, capacityKiB, freeKiB };
  }
  let best: { capacityKiB: number; freeKiB: number } | null = null;
  let bestPercent = -1;
  for (const p of backend.partitions) {
    const percent = percentFree({ ...base, ...p });
    if (percent !== null && percent > bestPercent) {
      best = p;
      bestPercent = percent;
    }
  }
  return { ...base, capacityKiB: best?.capacityKiB ?? 0, freeKiB: best?.freeKiB ?? 0 };
}

export interface BackendSelectorSettings extends SelectionPolicy {
  /** serverlist: the backends new mailboxes may be placed on. */
  readonly servers: readonly string[];
  /** serverlist_select_usage_reinit (0: read usage once). */
  readonly usageReinit: number;
}

export function backendSettingsFrom(config: ImapdConfig): BackendSelectorSettings {
  const mode = config.enum('serverlist_select_mode');
  if (!isSelectMode(mode)) throw new Error(`serverlist_select_mode ${mode} is not a selection mode`);
  return {
    mode,
    softUsageLimit: config.int('serverlist_select_soft_usage_limit'),
    usageReinit: config.int('serverlist_select_usage_reinit'),
    servers: config.list('serverlist'),
  };
}

/**
 * The frontend's counterpart of PartitionSelector: picks the backend of a new top-level mailbox
 * from serverlist. Usage reports are gathered through `readUsage` (asynchronous: they come over
 * the network), cached, and gathered again after serverlist_select_usage_reinit selections.
 * Backends that sent no report are left out; none left → MailError('NotFound').
 */
export class BackendSelector {
  private readonly refresh: UsageRefresh;
  private readonly random: RandomSource;
  private reports: readonly BackendUsage[] = [];
  private pending: Promise<void> | null = null;
  private lastPlan: SelectionPlan | null = null;

  constructor(
    readonly settings: BackendSelectorSettings,
    private readonly readUsage: BackendUsageReader,
    deps: { random?: RandomSource } = {},
  ) {
    this.refresh = new UsageRefresh(settings.usageReinit);
    this.random = deps.random ?? Math.random;
  }

  static fromConfig(config: ImapdConfig, readUsage: BackendUsageReader, deps: { random?: RandomSource } = {}): BackendSelector {
    return new BackendSelector(backendSettingsFrom(config), readUsage, deps);
  }

  async choose(): Promise<string> {
    const { servers, mode } = this.settings;
    if (servers.length === 0) throw new MailError('NotFound', 'no backend may be chosen: serverlist is empty');
    let items: SelectionItem[];
    if (mode === 'random') {
      items = servers.map((server) => ({ name: server, id: `server:${server}`, capacityKiB: 0, freeKiB: 0 }));
    } else {
      if (this.refresh.beforeSelection()) await this.gather();
      else if (this.pending) await this.pending;
      const listed = new Set(servers);
      const seen = new Set<string>();
      items = [];
      for (const report of this.reports) {
        if (!listed.has(report.server) || seen.has(report.server)) continue;
        seen.add(report.server);
        items.push(backendItem(report, mode));
      }
    }
    const plan = planSelection(items, this.settings);
    this.lastPlan = plan;
    const chosen = drawFromPlan(plan, this.random);
    if (!chosen) throw new MailError('NotFound', 'no backend may be chosen: none reported its usage');
    return chosen.name;
  }

  /** The plan of the last selection (for diagnostics and tests). */
  lastSelectionPlan(): SelectionPlan | null {
    return this.lastPlan;
  }

  private async gather(): Promise<void> {
    const run = Promise.resolve()
      .then(() => this.readUsage(this.settings.servers))
      .then((reports) => {
        this.reports = reports;
      });
    this.pending = run;
    try {
      await run;
    } catch (err) {
      this.refresh.invalidate();
      throw new MailError('Temp', `backend usage could not be gathered: ${(err as Error).message}`);
    } finally {
      if (this.pending === run) this.pending = null;
    }
  }
}
