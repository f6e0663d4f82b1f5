import { accessSync, constants, statfsSync, statSync } from 'node:fs';
import type { PartitionUsage, SelectionItem } from './types.js';

/**
 * Why `path` cannot hold new mailboxes, or null when it can: it must be an existing directory
 * this process may write to. A mistyped partition path is caught here instead of being measured
 * on some parent's filesystem and then created on the first mailbox.
 */
export function partitionPathProblem(path: string): string | null {
  try {
    if (!statSync(path).isDirectory()) return 'is not a directory';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be examined (${code ?? (err as Error).message})`;
  }
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
  } catch (err) {
    return `is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  return null;
}

/**
 * A partition's capacity, used and free space in KiB from statfs, and its device id.
 * Free space is what an unprivileged writer may use (bavail); used is blocks minus bfree,
 * as df and Cyrus's cyr_df count them. A path that does not exist throws (ENOENT).
 */
export function readPartitionUsage(name: string, path: string): PartitionUsage {
  const fs = statfsSync(path, { bigint: true });
  const device = statSync(path, { bigint: true }).dev;
  const kib = (blocks: bigint) => Number((blocks * fs.bsize) / 1024n);
  return {
    name,
    path,
    device: device.toString(),
    capacityKiB: kib(fs.blocks),
    usedKiB: kib(fs.blocks - fs.bfree),
    freeKiB: kib(fs.bavail),
  };
}

/** A partition's usage as a selection item: partitions on one device are "the same item". */
export function partitionItem(usage: PartitionUsage): SelectionItem {
  return { name: usage.name, id: `dev:${usage.device}`, capacityKiB: usage.capacityKiB, freeKiB: usage.freeKiB };
}

/** An item whose usage could not be read: the core falls back to random while it is present. */
export function unreadableItem(name: string): SelectionItem {
  return { name, id: `unreadable:${name}`, capacityKiB: 0, freeKiB: 0 };
}
