import { MailError } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import type { ImapdConfig } from '../config/index.js';
import { drawFromPlan, planSelection, type SelectionPlan } from './plan.js';
import { UsageRefresh } from './refresh.js';
import { partitionItem, partitionPathProblem, readPartitionUsage, unreadableItem } from './usage.js';
import {
  isSelectMode,
  type PartitionChooser,
  type PartitionPathCheck,
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
  /** Whether a partition's directory can take new mailboxes (default: exists and is writable). */
  checkPath?: PartitionPathCheck;
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
 * among the partitions not in partition_select_exclude whose directory exists and is writable
 * (checked at every selection; one that fails is left out, like an item over the soft limit, and
 * logged when it starts or stops failing). Usage is read lazily with statfs, cached, and read
 * again after partition_select_usage_reinit selections, or when a partition left out comes back.
 * No usable partition → MailError('Temp'): a server-side condition (IMAP `NO [UNAVAILABLE]`, LMTP 4xx),
 * not a missing mailbox; it clears when a partition comes back or the configuration is fixed.
 */
export class PartitionSelector implements PartitionChooser {
  private readonly candidates: ReadonlyArray<[string, string]>;
  private readonly refresh: UsageRefresh;
  private readonly readUsage: PartitionUsageReader;
  private readonly checkPath: PartitionPathCheck;
  private readonly random: RandomSource;
  private readonly logger: Logger;
  /** Usage items as last read, by partition name (only partitions that passed the path check). */
  private items = new Map<string, SelectionItem>();
  /** Partitions left out at the last selection, with the reason. */
  private unusable = new Map<string, string>();
  private lastUsage: PartitionUsage[] = [];
  private lastPlan: SelectionPlan | null = null;

  constructor(readonly settings: PartitionSelectorSettings, deps: SelectorDependencies = {}) {
    const excluded = new Set(settings.exclude);
    this.candidates = [...settings.partitions].filter(([name]) => !excluded.has(name));
    this.refresh = new UsageRefresh(settings.usageReinit);
    this.readUsage = deps.readUsage ?? readPartitionUsage;
    this.checkPath = deps.checkPath ?? partitionPathProblem;
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
        throw new MailError('Temp', `defaultpartition ${fixed} has no partition-${fixed} setting`, { partition: fixed });
      }
      return fixed;
    }
    if (this.candidates.length === 0) {
      throw new MailError('Temp', 'no partition may be chosen: none is configured or all are in partition_select_exclude');
    }
    const usable = this.usableCandidates();
    if (usable.length === 0) {
      const why = [...this.unusable].map(([name, reason]) => `${name} ${reason}`).join(', ');
      throw new MailError('Temp', `no partition may be chosen: ${why}`);
    }
    let items: SelectionItem[];
    if (this.settings.mode === 'random') {
      items = usable.map(([name]) => unreadableItem(name));
    } else {
      const due = this.refresh.beforeSelection();
      if (due || usable.some(([name]) => !this.items.has(name))) this.readItems(usable);
      items = usable.map(([name]) => this.items.get(name)!);
    }
    const plan = planSelection(items, this.settings);
    this.lastPlan = plan;
    const chosen = drawFromPlan(plan, this.random);
    if (!chosen) throw new MailError('Temp', 'no partition may be chosen');
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

  /** Partitions left out of the last selection because of their directory, with the reason. */
  unavailable(): ReadonlyMap<string, string> {
    return this.unusable;
  }

  /** Read the usage of every candidate whose directory is usable now (also done per usage_reinit). */
  reread(): void {
    this.readItems(this.usableCandidates());
  }

  /** The candidates whose directory passes the path check; logs each change of a partition's state. */
  private usableCandidates(): Array<[string, string]> {
    const usable: Array<[string, string]> = [];
    const now = new Map<string, string>();
    for (const [name, path] of this.candidates) {
      const problem = this.checkPath(path);
      if (problem === null) {
        usable.push([name, path]);
        if (this.unusable.has(name)) this.logger.info({ partition: name, path }, 'partition usable again; selection includes it');
      } else {
        now.set(name, problem);
        if (this.unusable.get(name) !== problem) this.logger.warn({ partition: name, path, problem }, `partition path ${problem}; selection leaves it out`);
      }
    }
    this.unusable = now;
    return usable;
  }

  private readItems(partitions: ReadonlyArray<[string, string]>): void {
    const usage: PartitionUsage[] = [];
    this.items = new Map(
      partitions.map(([name, path]): [string, SelectionItem] => {
        try {
          const read = this.readUsage(name, path);
          usage.push(read);
          return [name, partitionItem(read)];
        } catch (err) {
          this.logger.warn({ partition: name, path, err: (err as Error).message }, 'partition usage unreadable; choosing at random');
          return [name, unreadableItem(name)];
        }
      }),
    );
    this.lastUsage = usage;
    this.logger.debug({ partitions: usage.map((u) => ({ name: u.name, freeKiB: u.freeKiB, capacityKiB: u.capacityKiB })) }, 'partition usage read');
  }
}
