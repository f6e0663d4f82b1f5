import { statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PartitionUsage, SelectionItem } from './types.js';

/**
 * The nearest existing directory at or above `path`: a partition's directory may not exist
 * before its first mailbox, and the filesystem it will live on is the one of that ancestor.
 */
function existingAncestor(path: string): string {
  let current = path;
  for (;;) {
    try {
      statSync(current);
      return current;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const parent = dirname(current);
      if (parent === current) throw err;
      current = parent;
    }
  }
}

/**
 * A partition's capacity, used and free space in KiB from statfs, and its device id.
 * Free space is what an unprivileged writer may use (bavail); used is blocks minus bfree,
 * as df and Cyrus's cyr_df count them.
 */
export function readPartitionUsage(name: string, path: string): PartitionUsage {
  const target = existingAncestor(path);
  const fs = statfsSync(target, { bigint: true });
  const device = statSync(target, { bigint: true }).dev;
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
