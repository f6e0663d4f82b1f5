import { MailError } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import type { ImapdConfig } from '../config/index.js';
import { drawFromPlan, planSelection, type SelectionPlan } from './plan.js';
import { UsageRefresh } from './refresh.js';
import { partitionItem, readPartitionUsage, unreadableItem } from './usage.js';
import {
  isSelectMode,
  type PartitionChooser,
  type PartitionUsage,
  type PartitionUsageReader,
  type RandomSource,
  type SelectionItem,
  type SelectionPolicy,
} from './types.js';

export interface PartitionSelectorSettings extends SelectionPolicy {
  /** partition-NAME settings: name → path. */
  readonly partitions: ReadonlyMap<string, string>;
  /** partition_select_exclude: never chosen automatically. */
  readonly exclude: readonly string[];
  /** partition_select_usage_reinit (0: read usage once). */
  readonly usageReinit: number;
  /** defaultpartition when set in imapd.conf: it then wins over the selection mode. */
  readonly defaultPartition: string | null;
}

export interface SelectorDependencies {
  readUsage?: PartitionUsageReader;
  random?: RandomSource;
  logger?: Logger;
}

/** The partition settings of an imapd.conf (or of one service's view of it). */
export function partitionSettingsFrom(config: ImapdConfig): PartitionSelectorSettings {
  const mode = config.enum('partition_select_mode');
  if (!isSelectMode(mode)) throw new Error(`partition_select_mode ${mode} is not a selection mode`);
  return {
    mode,
    softUsageLimit: config.int('partition_select_soft_usage_limit'),
    usageReinit: config.int('partition_select_usage_reinit'),
    exclude: config.list('partition_select_exclude'),
    partitions: config.partitions(),
    // Cyrus 3.6 has no default for defaultpartition: only an explicit setting counts.
    defaultPartition: config.isSet('defaultpartition') ? config.string('defaultpartition') : null,
  };
}

/**
 * Chooses the partition of a new top-level mailbox, as Cyrus's mboxlist does when CREATE names
 * none: an explicitly set defaultpartition is used as is; otherwise the configured mode picks
 * among the partitions not in partition_select_exclude. Usage is read lazily with statfs, cached,
 * and read again after partition_select_usage_reinit selections. No usable partition →
 * MailError('NotFound').
 */
export class PartitionSelector implements PartitionChooser {
  private readonly candidates: ReadonlyArray<[string, string]>;
  private readonly refresh: UsageRefresh;
  private readonly readUsage: PartitionUsageReader;
  private readonly random: RandomSource;
  private readonly logger: Logger;
  private items: SelectionItem[] = [];
  private lastUsage: PartitionUsage[] = [];
  private lastPlan: SelectionPlan | null = null;

  constructor(readonly settings: PartitionSelectorSettings, deps: SelectorDependencies = {}) {
    const excluded = new Set(settings.exclude);
    this.candidates = [...settings.partitions].filter(([name]) => !excluded.has(name));
    this.refresh = new UsageRefresh(settings.usageReinit);
    this.readUsage = deps.readUsage ?? readPartitionUsage;
    this.random = deps.random ?? Math.random;
    this.logger = deps.logger ?? silentLogger();
  }

  static fromConfig(config: ImapdConfig, deps: SelectorDependencies = {}): PartitionSelector {
    return new PartitionSelector(partitionSettingsFrom(config), deps);
  }

  choose(): string {
    const fixed = this.settings.defaultPartition;
    if (fixed !== null) {
      if (!this.settings.partitions.has(fixed)) {
        throw new MailError('NotFound', `defaultpartition ${fixed} has no partition-${fixed} setting`, { partition: fixed });
      }
      return fixed;
    }
    if (this.candidates.length === 0) {
      throw new MailError('NotFound', 'no partition may be chosen: none is configured or all are in partition_select_exclude');
    }
    if (this.settings.mode !== 'random' && this.refresh.beforeSelection()) this.reread();
    const items = this.settings.mode === 'random' ? this.candidates.map(([name]) => unreadableItem(name)) : this.items;
    const plan = planSelection(items, this.settings);
    this.lastPlan = plan;
    const chosen = drawFromPlan(plan, this.random);
    if (!chosen) throw new MailError('NotFound', 'no partition may be chosen');
    return chosen.name;
  }

  /** Usage as last read (empty before the first selection or in random mode). */
  usage(): readonly PartitionUsage[] {
    return this.lastUsage;
  }

  /** The plan of the last selection: candidates and weights (for diagnostics and tests). */
  lastSelectionPlan(): SelectionPlan | null {
    return this.lastPlan;
  }

  /** Read every candidate's usage now (also done automatically per usage_reinit). */
  reread(): void {
    const usage: PartitionUsage[] = [];
    this.items = this.candidates.map(([name, path]) => {
      try {
        const read = this.readUsage(name, path);
        usage.push(read);
        return partitionItem(read);
      } catch (err) {
        this.logger.warn({ partition: name, path, err: (err as Error).message }, 'partition usage unreadable; choosing at random');
        return unreadableItem(name);
      }
    });
    this.lastUsage = usage;
    this.logger.debug({ partitions: usage.map((u) => ({ name: u.name, freeKiB: u.freeKiB, capacityKiB: u.capacityKiB })) }, 'partition usage read');
  }
}
