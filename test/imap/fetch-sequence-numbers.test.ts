/**
 * FETCH's targets of one run of sequence numbers are a view of one array of 1, 2, 3... shared by
 * the process, grown as bigger views ask for more: the numbers counted before are copied and only
 * the new ones written (issue 16: each growth of a 100,000-message view wrote 200,000 numbers in
 * the FETCH's first turn). Whatever order the views grow in, every number is its own position.
 */
import { describe, expect, it } from 'vitest';
import type { SelectedMailbox } from '../../src/imap/session/selected.js';
import { resolveTargetArrays } from '../../src/imap/commands/message/targets.js';

const view = (count: number): SelectedMailbox => ({ allUids: () => Uint32Array.from({ length: count }, (_, i) => 2 * i + 1) }) as unknown as SelectedMailbox;
const set = (first: number, last: number | '*') => ({ saved: false as const, ranges: [{ first, last }] });

describe('sequence numbers of a run', () => {
  it('stay 1..n as views grow, shrink and grow again', () => {
    for (const count of [5, 3000, 3001, 2, 20_000, 20_001, 100, 50_000]) {
      for (const first of [1, 2, count]) {
        const { seqs, uids } = resolveTargetArrays(view(count), set(first, '*'), false);
        expect(seqs.length).toBe(count - first + 1);
        let wrong = 0;
        for (let i = 0; i < seqs.length; i++) if (seqs[i] !== first + i || uids[i] !== 2 * (first + i) - 1) wrong++;
        expect(wrong).toBe(0);
      }
    }
  });
});

describe('sequence numbers counted ahead (a big SELECT)', () => {
  it('counts them a block per turn, none in the turn that asks, and FETCH then finds them counted', async () => {
    const { prepareSequenceNumbers, sequenceNumbersReady, sequenceNumbers } = await import('../../src/imap/session/sequence-numbers.js');
    // More than any view of this file asks for.
    const count = 200_000;
    expect(sequenceNumbersReady(count)).toBe(false);
    const counted = prepareSequenceNumbers(count);
    // Not in the turn that asks; over several turns after it.
    expect(sequenceNumbersReady(count)).toBe(false);
    let turns = 0;
    let done = false;
    void counted.then(() => (done = true));
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
    }
    expect(turns).toBeGreaterThan(4);
    expect(sequenceNumbersReady(count)).toBe(true);
    const seqs = sequenceNumbers(1, count);
    let wrong = 0;
    for (let i = 0; i < count; i++) if (seqs[i] !== i + 1) wrong++;
    expect(wrong).toBe(0);
  });
});
