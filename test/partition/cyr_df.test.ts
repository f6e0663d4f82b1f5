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
      { name: 'default', path: '/srv/a', problem: null, usage: { name: 'default', path: '/srv/a', device: '2049', capacityKiB: 1000, usedKiB: 600, freeKiB: 400 } },
      { name: 'big', path: '/srv/b', problem: null, usage: { name: 'big', path: '/srv/b', device: '2050', capacityKiB: 123456789, usedKiB: 1, freeKiB: 123456788 } },
      { name: 'gone', path: '/srv/c', problem: 'does not exist', usage: null },
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0].split(/\s+/)).toEqual(['Partition', 'Device', '1k-blocks', 'Used', 'Available', 'Free%', 'Location']);
    expect(lines[1].split(/\s+/)).toEqual(['default', '2049', '1000', '600', '400', '40.0%', '/srv/a']);
    expect(lines[2].split(/\s+/)).toEqual(['big', '2050', '123456789', '1', '123456788', '100.0%', '/srv/b']);
    expect(lines[3].split(/\s+/)).toEqual(['gone', '-', '-', '-', '-', '-', '/srv/c', '[does', 'not', 'exist]']);
    expect(lines[1].indexOf('/srv/a')).toBe(lines[2].indexOf('/srv/b')); // columns line up
    expect(lines[1].indexOf('/srv/a')).toBe(lines[3].indexOf('/srv/c'));
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

  it('an unreadable partition is listed, marked and warned about, with status 1', () => {
    mkdirSync(join(root, 'unreadable'));
    const { status, out, err } = run(writeConf([`partition-bad: ${root}/unreadable`]), false, () => {
      throw new Error('EACCES: permission denied');
    });
    expect(status).toBe(1);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^bad\s+-\s+-\s+-\s+-\s+-\s+\S+unreadable \[EACCES: permission denied\]$/);
    expect(err).toContain(`warning: partition bad (${root}/unreadable): EACCES`);
  });

  it('a partition path that does not exist is marked, not measured on a parent; the others are still listed', () => {
    mkdirSync(join(root, 'present'));
    const { status, out, err } = run(writeConf([`partition-here: ${root}/present`, 'partition-missing: /nonexist/x', `partition-typo: ${root}/presnet`]));
    expect(status).toBe(1);
    const lines = out.trimEnd().split('\n').map((l) => l.split(/\s+/));
    expect(lines.map((l) => l[0])).toEqual(['Partition', 'here', 'missing', 'typo']);
    expect(Number(lines[1][2])).toBeGreaterThan(0);
    expect(lines[2]).toEqual(['missing', '-', '-', '-', '-', '-', '/nonexist/x', '[does', 'not', 'exist]']);
    expect(lines[3].slice(1, 6)).toEqual(['-', '-', '-', '-', '-']);
    expect(err.trimEnd().split('\n')).toEqual([
      'cyr_df: warning: partition missing (/nonexist/x): does not exist; new mailboxes are not placed there automatically',
      `cyr_df: warning: partition typo (${root}/presnet): does not exist; new mailboxes are not placed there automatically`,
    ]);
  });

  it('a partition that is not writable keeps its figures and is marked', () => {
    mkdirSync(join(root, 'readonly'));
    let out = '';
    let err = '';
    const status = runCyrDf({ config: writeConf([`partition-ro: ${root}/readonly`]) }, (t) => (out += t), (t) => (err += t), undefined, () => 'is not writable (EROFS)');
    expect(status).toBe(1);
    const row = out.trimEnd().split('\n')[1];
    expect(Number(row.split(/\s+/)[2])).toBeGreaterThan(0);
    expect(row).toMatch(/readonly \[is not writable \(EROFS\)\]$/);
    expect(err).toContain('partition ro');
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
