/** Work cut into event-loop slices (src/common/loop-slices.ts): a turn at least every maxUnits units. */
import { describe, expect, it } from 'vitest';
import { LoopSlices } from '../../src/common/loop-slices.js';

describe('LoopSlices', () => {
  it('gives a turn to work queued meanwhile at least every maxUnits units, whatever the time', async () => {
    // A slice of an hour: only the unit count can end it.
    const slices = new LoopSlices(3_600_000, 10);
    const order: string[] = [];
    setImmediate(() => order.push('other'));
    for (let unit = 1; unit <= 25; unit++) {
      order.push(`unit ${unit}`);
      await slices.turn();
    }
    expect(order.indexOf('other')).toBe(10);
  });

  it('ends a slice when its time is used up', async () => {
    const slices = new LoopSlices(0);
    let other = false;
    setImmediate(() => (other = true));
    await slices.turn();
    expect(other).toBe(true);
  });
});
