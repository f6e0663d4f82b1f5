import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bench/partition-convergence.js';

const dir = mkdtempSync(join(tmpdir(), 'cyrusts-convergence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('partition-convergence bench (short run)', () => {
  it('writes one panel per mode and shows the page\'s convergence notes', () => {
    const out = join(dir, 'chart.svg');
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    let runs: ReturnType<typeof main>;
    try {
      runs = main(['--creations', '6000', '--out', out]);
    } finally {
      log.mockRestore();
    }
    expect(existsSync(out)).toBe(true);
    const svg = readFileSync(out, 'utf8');
    expect(svg.match(/<polyline /g)).toHaveLength(5 * 4);
    const spread = new Map(runs.map((r) => [r.mode, r.spread]));
    // delta converges towards the most used partition; plain weighted keeps the differences.
    expect(spread.get('freespace-percent-weighted-delta')).toBeLessThan(spread.get('freespace-percent-weighted') ?? 0);
    expect(spread.get('freespace-percent-most')).toBeLessThan(spread.get('random') ?? 0);
    for (const run of runs) expect(run.final.reduce((n, p) => n + p.mailboxes, 0)).toBe(6000);
  });
});
