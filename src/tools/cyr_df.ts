import type { Command } from 'commander';
import { ConfigError, ImapdConfig } from '../config/index.js';
import { percentFree } from '../partition/plan.js';
import { partitionPathProblem, readPartitionUsage } from '../partition/usage.js';
import type { PartitionPathCheck, PartitionUsage, PartitionUsageReader } from '../partition/types.js';

/** One line of the report: a partition, its usage when it could be read, and what is wrong with it. */
export interface DfRow {
  readonly name: string;
  readonly path: string;
  /** null when there is nothing to measure (the path does not exist) or statfs failed. */
  readonly usage: PartitionUsage | null;
  /** Why automatic selection leaves the partition out ("does not exist", "is not writable (EACCES)"), or null. */
  readonly problem: string | null;
}

/**
 * Usage of every partition-NAME (or metapartition-NAME) of the configuration, in file order.
 * A path that does not exist is reported as such, never measured on a parent directory.
 */
export function dfRows(
  config: ImapdConfig,
  metadata: boolean,
  readUsage: PartitionUsageReader = readPartitionUsage,
  checkPath: PartitionPathCheck = partitionPathProblem,
): DfRow[] {
  const partitions = config.family(metadata ? 'metapartition' : 'partition');
  return [...partitions].map(([name, path]): DfRow => {
    const problem = checkPath(path);
    if (problem === 'does not exist') return { name, path, usage: null, problem };
    try {
      return { name, path, usage: readUsage(name, path), problem };
    } catch (err) {
      return { name, path, usage: null, problem: problem ?? (err as Error).message };
    }
  });
}

const HEADER = ['Partition', 'Device', '1k-blocks', 'Used', 'Available', 'Free%', 'Location'];

/**
 * The table as text: a header line, then one line per partition (KiB figures); a partition
 * with a problem has it in brackets after its location, and "-" figures when none were read.
 */
export function formatDfTable(rows: readonly DfRow[]): string {
  const lines: string[][] = [HEADER];
  for (const row of rows) {
    const location = row.problem === null ? row.path : `${row.path} [${row.problem}]`;
    const u = row.usage;
    if (!u) {
      lines.push([row.name, '-', '-', '-', '-', '-', location]);
      continue;
    }
    const free = percentFree({ name: u.name, id: u.device, capacityKiB: u.capacityKiB, freeKiB: u.freeKiB });
    lines.push([row.name, u.device, String(u.capacityKiB), String(u.usedKiB), String(u.freeKiB), free === null ? '-' : `${free.toFixed(1)}%`, location]);
  }
  const widths = HEADER.map((_, col) => Math.max(...lines.map((line) => line[col].length)));
  const leftAligned = new Set([0, 1, 6]);
  return lines
    .map((line) =>
      line
        .map((cell, col) => (col === line.length - 1 ? cell : leftAligned.has(col) ? cell.padEnd(widths[col]) : cell.padStart(widths[col])))
        .join('  '),
    )
    .join('\n')
    .concat('\n');
}

export interface CyrDfOptions {
  config: string;
  metadata?: boolean;
}

/**
 * Run cyr_df; returns the exit status: 0; 1 when a partition's path does not exist, is not a
 * writable directory or cannot be measured (every partition is still listed, that one marked,
 * with a warning on stderr); 78 on a bad config.
 */
export function runCyrDf(
  options: CyrDfOptions,
  out: (text: string) => void,
  err: (text: string) => void,
  readUsage?: PartitionUsageReader,
  checkPath?: PartitionPathCheck,
): number {
  let config: ImapdConfig;
  try {
    config = ImapdConfig.load(options.config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`cyr_df: ${e.message}\n`);
    return 78;
  }
  const rows = dfRows(config, options.metadata === true, readUsage, checkPath);
  out(formatDfTable(rows));
  let status = 0;
  for (const row of rows) {
    if (row.problem === null) continue;
    const consequence = options.metadata === true ? '' : '; new mailboxes are not placed there automatically';
    err(`cyr_df: warning: partition ${row.name} (${row.path}): ${row.problem}${consequence}\n`);
    status = 1;
  }
  return status;
}

/** `cyrusts cyr_df [-C imapd.conf] [-m]`: disk usage of each partition, like Cyrus's cyr_df. */
export const registerCyrDf = (program: Command): void => {
  program
    .command('cyr_df')
    .description('report the disk space of each partition (KiB) as the partition selection modes see it')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-m, --metadata', 'report metapartition-NAME instead of partition-NAME')
    .action((opts: { config: string; metadata?: boolean }) => {
      process.exitCode = runCyrDf(opts, (t) => process.stdout.write(t), (t) => process.stderr.write(t));
    });
};
