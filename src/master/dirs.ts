import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ImapdConfig } from '../config/index.js';

/** The octal umask option as a number ("077" → 0o077). */
export function parseUmask(text: string | null): number {
  const value = text ?? '077';
  if (!/^[0-7]{1,4}$/.test(value)) throw new Error(`umask: "${value}" is not an octal mask like 077`);
  return parseInt(value, 8);
}

/**
 * Create what the server needs on disk before anything runs: configdirectory with its socket/,
 * proc/ and log/ subdirectories, and every partition directory. Modes follow the umask.
 * Returns the directories that were checked.
 */
export function prepareDirectories(config: ImapdConfig): string[] {
  const configDirectory = config.configDirectory;
  const dirs = [configDirectory, join(configDirectory, 'socket'), config.path('proc_path') ?? join(configDirectory, 'proc'), join(configDirectory, 'log')];
  for (const path of config.partitions().values()) dirs.push(path);
  for (const path of config.family('metapartition').values()) dirs.push(path);
  for (const dir of dirs) mkdirSync(dir, { recursive: true, mode: 0o777 });
  return dirs;
}
