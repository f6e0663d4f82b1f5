import type { SelectMode } from '../config/index.js';

/**
 * Partition (and, for Murder, backend) selection as the store sees it: the store asks for a
 * partition when it creates a new top-level mailbox and none was named; submailboxes inherit.
 */
export interface PartitionChooser {
  /** A partition name for a new top-level mailbox. Throws MailError('Temp') when none is usable. */
  choose(): string;
}

// The mode names are option values: the option table (config) owns them.
export { SELECT_MODES, isSelectMode, type SelectMode } from '../config/index.js';

/**
 * One thing that can be chosen: a partition on a backend, or a whole backend on a frontend.
 * `id` says which items are "actually the same": a partition's device id, a backend's name.
 */
export interface SelectionItem {
  readonly name: string;
  readonly id: string;
  /** Disk capacity in KiB; 0 or less means the usage could not be read. */
  readonly capacityKiB: number;
  /** Free space in KiB (what an unprivileged writer may still use). */
  readonly freeKiB: number;
}

/** What the configuration says about how to choose. */
export interface SelectionPolicy {
  readonly mode: SelectMode;
  /** Leave out items whose usage percentage is above this, unless all are (0: no limit). */
  readonly softUsageLimit: number;
}

/** A source of uniform numbers in [0, 1), like Math.random; injectable for seeded tests. */
export type RandomSource = () => number;

/** One partition's disk usage as statfs reports it, in KiB. */
export interface PartitionUsage {
  readonly name: string;
  readonly path: string;
  /** Device id (stat's dev) of the filesystem holding the partition. */
  readonly device: string;
  readonly capacityKiB: number;
  readonly usedKiB: number;
  readonly freeKiB: number;
}

/** Reads one partition's usage; throws when the filesystem cannot be examined. */
export type PartitionUsageReader = (name: string, path: string) => PartitionUsage;

/**
 * Says why a partition's directory cannot take new mailboxes ("does not exist", "is not
 * writable", ...), or null when it can.
 */
export type PartitionPathCheck = (path: string) => string | null;
