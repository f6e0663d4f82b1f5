// Partition usage convergence: 20,000 user creations on four partitions of unequal size and
// starting fill, once per selection mode, while every mailbox already created keeps growing.
// Prints each mode's final spread of usage percentages (max − min) and draws the usage of every
// partition over the creations to bench/out/partition-convergence.svg (one panel per mode).
//
//   node dist/bench/partition-convergence.js [--creations N] [--reinit N] [--seed N] [--out FILE]
//
// Growth model: each step one mailbox is created (initial size 50 MiB) on the partition the
// selector picks, then each existing mailbox grows by a random amount, uniform in 0..2 KiB. The
// sum over a partition's n mailboxes is drawn at once (normal with the same mean and variance),
// so a step costs O(partitions), not O(mailboxes).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PartitionSelector } from '../src/partition/selector.js';
import { seededRandom } from '../src/partition/random.js';
import { SELECT_MODES, type PartitionUsage, type RandomSource, type SelectMode } from '../src/partition/types.js';

const GiB = 1024 * 1024; // KiB
const INITIAL_MAILBOX_KiB = 50 * 1024;
const GROWTH_MAX_KiB = 2; // per mailbox per step, uniform in [0, GROWTH_MAX_KiB)

interface SimPartition {
  name: string;
  capacityKiB: number;
  usedKiB: number;
  mailboxes: number;
}

const START: ReadonlyArray<Omit<SimPartition, 'mailboxes'>> = [
  { name: 'big', capacityKiB: 2000 * GiB, usedKiB: 600 * GiB }, // 30 % used
  { name: 'old', capacityKiB: 1000 * GiB, usedKiB: 600 * GiB }, // 60 %
  { name: 'new', capacityKiB: 500 * GiB, usedKiB: 50 * GiB }, // 10 %
  { name: 'small', capacityKiB: 250 * GiB, usedKiB: 112.5 * GiB }, // 45 %
];
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e'];

interface ModeRun {
  mode: SelectMode;
  /** Creation count at each sample, and each partition's usage % at that point. */
  samples: Array<{ at: number; usage: number[] }>;
  final: SimPartition[];
  spread: number;
}

function normal(random: RandomSource): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const usagePercent = (p: SimPartition) => (p.usedKiB * 100) / p.capacityKiB;

function simulate(mode: SelectMode, creations: number, reinit: number, seed: number, sampleEvery: number): ModeRun {
  const partitions: SimPartition[] = START.map((p) => ({ ...p, mailboxes: 0 }));
  const growthRandom = seededRandom(seed ^ 0x5eed);
  const readUsage = (name: string, path: string): PartitionUsage => {
    const p = partitions.find((q) => q.name === name);
    if (!p) throw new Error(`unknown partition ${name}`);
    const usedKiB = Math.round(p.usedKiB);
    return { name, path, device: name, capacityKiB: p.capacityKiB, usedKiB, freeKiB: p.capacityKiB - usedKiB };
  };
  const selector = new PartitionSelector(
    {
      mode,
      softUsageLimit: 0,
      usageReinit: reinit,
      exclude: [],
      defaultPartition: null,
      partitions: new Map(partitions.map((p) => [p.name, `/sim/${p.name}`])),
    },
    { readUsage, random: seededRandom(seed), checkPath: () => null }, // simulated partitions have no directory
  );
  const mean = GROWTH_MAX_KiB / 2;
  const sd = GROWTH_MAX_KiB / Math.sqrt(12);
  const samples: ModeRun['samples'] = [{ at: 0, usage: partitions.map(usagePercent) }];
  for (let step = 1; step <= creations; step++) {
    const chosenName = selector.choose();
    const chosen = partitions.find((p) => p.name === chosenName);
    if (!chosen) throw new Error('selector chose an unknown partition');
    chosen.mailboxes += 1;
    chosen.usedKiB += INITIAL_MAILBOX_KiB;
    for (const p of partitions) {
      if (p.mailboxes > 0) p.usedKiB += Math.max(0, p.mailboxes * mean + Math.sqrt(p.mailboxes) * sd * normal(growthRandom));
      p.usedKiB = Math.min(p.usedKiB, p.capacityKiB); // a full disk stops growing (deliveries fail)
    }
    if (step % sampleEvery === 0) samples.push({ at: step, usage: partitions.map(usagePercent) });
  }
  const finalUsage = partitions.map(usagePercent);
  return { mode, samples, final: partitions, spread: Math.max(...finalUsage) - Math.min(...finalUsage) };
}

function svgChart(runs: readonly ModeRun[], creations: number, reinit: number): string {
  const panelW = 520;
  const panelH = 230;
  const margin = { left: 48, right: 30, top: 34, bottom: 34 };
  const columns = 2;
  const headerH = 64;
  const rows = Math.ceil(runs.length / columns);
  const width = columns * panelW;
  const height = headerH + rows * panelH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="12" y="22" font-size="15" font-weight="bold">Partition usage (%) over ${creations.toLocaleString('en')} mailbox creations, per selection mode</text>`);
  out.push(`<text x="12" y="40" fill="#444">Existing mailboxes keep growing; usage ${reinit === 0 ? 'read once' : `re-read every ${reinit} creation(s)`}. Spread = max − min usage at the end.</text>`);
  START.forEach((p, i) => {
    const x = 12 + i * 255;
    const pct = ((p.usedKiB * 100) / p.capacityKiB).toFixed(0);
    out.push(`<rect x="${x}" y="48" width="14" height="4" fill="${COLORS[i]}"/><text x="${x + 18}" y="54">${p.name}: ${p.capacityKiB / GiB} GiB, ${pct} % used at start</text>`);
  });
  runs.forEach((run, index) => {
    const ox = (index % columns) * panelW;
    const oy = headerH + Math.floor(index / columns) * panelH;
    const plotW = panelW - margin.left - margin.right;
    const plotH = panelH - margin.top - margin.bottom;
    const x = (at: number) => ox + margin.left + (at / creations) * plotW;
    const y = (percent: number) => oy + margin.top + (1 - percent / 100) * plotH;
    out.push(`<text x="${ox + margin.left}" y="${oy + 20}" font-size="13" font-weight="bold">${run.mode}</text>`);
    out.push(`<text x="${ox + panelW - margin.right}" y="${oy + 20}" text-anchor="end">spread ${run.spread.toFixed(1)} points</text>`);
    for (const tick of [0, 25, 50, 75, 100]) {
      out.push(`<line x1="${x(0)}" y1="${y(tick)}" x2="${x(creations)}" y2="${y(tick)}" stroke="#ddd"/>`);
      out.push(`<text x="${x(0) - 6}" y="${y(tick) + 4}" text-anchor="end" fill="#555">${tick}</text>`);
    }
    for (let k = 0; k <= 4; k++) {
      const at = (creations * k) / 4;
      out.push(`<text x="${x(at)}" y="${y(0) + 16}" text-anchor="middle" fill="#555">${Math.round(at).toLocaleString('en')}</text>`);
    }
    out.push(`<rect x="${x(0)}" y="${y(100)}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
    START.forEach((_, p) => {
      const points = run.samples.map((s) => `${x(s.at).toFixed(1)},${y(s.usage[p]).toFixed(1)}`).join(' ');
      out.push(`<polyline points="${points}" fill="none" stroke="${COLORS[p]}" stroke-width="1.6"/>`);
    });
  });
  if (runs.length % columns !== 0) {
    // The free slot holds the final figures, as a table.
    const ox = (runs.length % columns) * panelW + margin.left;
    const oy = headerH + Math.floor(runs.length / columns) * panelH + 20;
    out.push(`<text x="${ox}" y="${oy}" font-size="13" font-weight="bold">Usage % at the end</text>`);
    const header = ['mode', ...START.map((p) => p.name), 'spread'];
    const colX = [0, 200, 250, 300, 350, 410];
    header.forEach((h, c) => out.push(`<text x="${ox + colX[c]}" y="${oy + 22}" font-weight="bold">${h}</text>`));
    runs.forEach((run, r) => {
      const cells = [run.mode, ...run.final.map((p) => usagePercent(p).toFixed(1)), run.spread.toFixed(1)];
      cells.forEach((cell, c) => out.push(`<text x="${ox + colX[c]}" y="${oy + 40 + r * 17}">${cell}</text>`));
    });
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} needs a number`);
  return value;
}

export function main(args: string[] = process.argv.slice(2)): ModeRun[] {
  const creations = option(args, '--creations', 20_000);
  const reinit = option(args, '--reinit', 1);
  const seed = option(args, '--seed', 1);
  const outIndex = args.indexOf('--out');
  const outFile = resolve(outIndex >= 0 ? args[outIndex + 1] : 'bench/out/partition-convergence.svg');
  const sampleEvery = Math.max(1, Math.floor(creations / 400));

  const runs = SELECT_MODES.map((mode) => simulate(mode, creations, reinit, seed, sampleEvery));
  const names = START.map((p) => p.name);
  const every = reinit === 0 ? 'once (never re-read)' : `re-read every ${reinit} creation(s)`;
  console.log(`partition-convergence: ${creations} creations, usage ${every}, seed ${seed}`);
  console.log(`${'mode'.padEnd(34)}${names.map((n) => `${n} %`.padStart(9)).join('')}${names.map((n) => `#${n}`.padStart(9)).join('')}   spread`);
  for (const run of runs) {
    const usage = run.final.map((p) => usagePercent(p).toFixed(1).padStart(9)).join('');
    const counts = run.final.map((p) => String(p.mailboxes).padStart(9)).join('');
    console.log(`${run.mode.padEnd(34)}${usage}${counts}   ${run.spread.toFixed(1)}`);
  }
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, svgChart(runs, creations, reinit));
  console.log(`chart: ${outFile}`);
  return runs;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
