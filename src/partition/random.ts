import type { RandomSource } from './types.js';

/**
 * A small seeded generator (32-bit state advanced by a Weyl step, then scrambled with
 * multiply-xorshift rounds). Good enough for reproducible selection tests and the benchmark;
 * the server itself uses Math.random.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 0x1_0000_0000;
  };
}

/** A uniform index in [0, count). */
export function randomIndex(random: RandomSource, count: number): number {
  const index = Math.floor(random() * count);
  return index >= count ? count - 1 : index;
}
