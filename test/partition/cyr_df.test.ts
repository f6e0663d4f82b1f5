import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { formatDfTable, registerCyrDf, runCyrDf } from '../../src/tools/cyr_df.js';
import type { PartitionUsage } from '../../src/partition/types.js';

const root = mkdtempSync(join(tmpdir(), 'cyrusts-cyrdf-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function writeConf(lines: string[]): string {
  const file = join(root, `imapd-${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(file, [`configdirectory: ${root}/conf`, ...lines].join('\n'));
  return file;
}

function run(file: string, metadata = false, reader?: (name: string, path: string) => PartitionUsage) {
  let out = '';
  let err = '';
  const status = runCyrDf({ config: file, metadata }, (t) => (out += t), (t) => (err += t), reader);
  return { status, out, err };
}

describe('cyr_df', () => {
  it('formats a header and one line per partition', () => {
    const text = formatDfTable([
      { usage: { name: 'default', path: '/srv/a', device: '2049', capacityKiB: 1000, usedKiB: 600, freeKiB: 400 } },
      { usage: { name: 'big', path: '/srv/b', device: '2050', capacityKiB: 123456789, usedKiB: 1, freeKiB: 123456788 } },
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0].split(/\s+/)).toEqual(['Partition', 'Device', '1k-blocks', 'Used', 'Available', 'Free%', 'Location']);
    expect(lines[1].split(/\s+/)).toEqual(['default', '2049', '1000', '600', '400', '40.0%', '/srv/a']);
    expect(lines[2].split(/\s+/)).toEqual(['big', '2050', '123456789', '1', '123456788', '100.0%', '/srv/b']);
    expect(lines[1].indexOf('/srv/a')).toBe(lines[2].indexOf('/srv/b')); // columns line up
  });

  it('reads real partitions from imapd.conf', () => {
    mkdirSync(join(root, 'p1'));
    mkdirSync(join(root, 'p2'));
    const { status, out, err } = run(writeConf([`partition-one: ${root}/p1`, `partition-two: ${root}/p2`, `metapartition-one: ${root}/p1`]));
    expect(err).toBe('');
    expect(status).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['Partition', 'one', 'two']);
    const [, , capacity, used, available, free] = lines[1].split(/\s+/);
    expect(Number(capacity)).toBeGreaterThan(0);
    expect(Number(used) + Number(available)).toBeLessThanOrEqual(Number(capacity));
    expect(free).toMatch(/^\d+\.\d%$/);
  });

  it('-m reports metapartitions', () => {
    const { out } = run(writeConf([`partition-one: ${root}`, `metapartition-meta1: ${root}`]), true);
    expect(out.trimEnd().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['Partition', 'meta1']);
  });

  it('an unreadable partition is reported on stderr with status 1', () => {
    const { status, out, err } = run(writeConf(['partition-bad: /srv/bad']), false, () => {
      throw new Error('EACCES: permission denied');
    });
    expect(status).toBe(1);
    expect(out.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toContain('bad (/srv/bad): EACCES');
  });

  it('a bad config file exits 78', () => {
    expect(run(join(root, 'missing.conf')).status).toBe(78);
  });

  it('is a commander subcommand with -C', async () => {
    const program = new Command().exitOverride();
    registerCyrDf(program);
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await program.parseAsync(['cyr_df', '-C', writeConf([`partition-x: ${root}`])], { from: 'user' });
      const printed = write.mock.calls.map((c) => String(c[0])).join('');
      expect(printed).toMatch(/^Partition\s+Device/);
      expect(printed).toContain(`x  `);
    } finally {
      write.mockRestore();
      process.exitCode = undefined;
    }
  });
});
