import type { Command } from 'commander';
import { ConfigError, ImapdConfig } from '../config/index.js';
import { percentFree } from '../partition/plan.js';
import { readPartitionUsage } from '../partition/usage.js';
import type { PartitionUsage, PartitionUsageReader } from '../partition/types.js';

/** One line of the report: a partition's usage, or why it could not be read. */
export type DfRow = { usage: PartitionUsage; error?: undefined } | { usage?: undefined; name: string; path: string; error: string };

/** Usage of every partition-NAME (or metapartition-NAME) of the configuration, in file order. */
export function dfRows(config: ImapdConfig, metadata: boolean, readUsage: PartitionUsageReader = readPartitionUsage): DfRow[] {
  const partitions = config.family(metadata ? 'metapartition' : 'partition');
  return [...partitions].map(([name, path]): DfRow => {
    try {
      return { usage: readUsage(name, path) };
    } catch (err) {
      return { name, path, error: (err as Error).message };
    }
  });
}

const HEADER = ['Partition', 'Device', '1k-blocks', 'Used', 'Available', 'Free%', 'Location'];

/** The table as text: a header line, then one line per readable partition (KiB figures). */
export function formatDfTable(rows: readonly DfRow[]): string {
  const lines: string[][] = [HEADER];
  for (const row of rows) {
    if (!row.usage) continue;
    const u = row.usage;
    const free = percentFree({ name: u.name, id: u.device, capacityKiB: u.capacityKiB, freeKiB: u.freeKiB });
    lines.push([u.name, u.device, String(u.capacityKiB), String(u.usedKiB), String(u.freeKiB), free === null ? '-' : `${free.toFixed(1)}%`, u.path]);
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

/** Run cyr_df; returns the exit status (0, 1 when a partition could not be read, 78 on a bad config). */
export function runCyrDf(options: CyrDfOptions, out: (text: string) => void, err: (text: string) => void, readUsage?: PartitionUsageReader): number {
  let config: ImapdConfig;
  try {
    config = ImapdConfig.load(options.config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`cyr_df: ${e.message}\n`);
    return 78;
  }
  const rows = dfRows(config, options.metadata === true, readUsage);
  out(formatDfTable(rows));
  let status = 0;
  for (const row of rows) {
    if (row.error === undefined) continue;
    err(`cyr_df: ${row.name} (${row.path}): ${row.error}\n`);
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
