import { describe, expect, it } from 'vitest';
import { TurnShare } from '../../src/common/turn-share.js';

/** A TurnShare on a hand-moved clock, with the "later" callbacks kept to be run as turns by the test. */
function harness(shareMs = 5) {
  let clock = 0;
  const later: (() => void)[] = [];
  const share = new TurnShare(shareMs, () => clock, (run) => later.push(run));
  const ran: string[] = [];
  /** A session's data: runs now (its work advancing the clock by `ms`) or waits. */
  const arrive = (name: string, ms: number) => {
    const run = () => {
      ran.push(name);
      clock += ms;
    };
    if (share.runOrWait(run)) run();
  };
  /** The end of a turn: the callbacks scheduled so far run (those they schedule wait for the next). */
  const endTurn = () => {
    for (const run of later.splice(0)) run();
  };
  return { share, arrive, endTurn, ran, later, advance: (ms: number) => (clock += ms) };
}

describe('TurnShare: commands of a turn up to a share, the rest in order on later turns', () => {
  const cases: { name: string; work: [string, number][]; now: string[]; turns: string[][] }[] = [
    { name: 'all within the share', work: [['a', 1], ['b', 1], ['c', 1]], now: ['a', 'b', 'c'], turns: [] },
    { name: 'the share used up: later ones wait', work: [['a', 3], ['b', 3], ['c', 1], ['d', 1]], now: ['a', 'b'], turns: [['c', 'd']] },
    { name: 'one long command takes the turn', work: [['a', 50], ['b', 1], ['c', 1]], now: ['a'], turns: [['b', 'c']] },
    { name: 'the waiting ones spread over turns, a share each', work: [['a', 6], ['b', 4], ['c', 4], ['d', 4], ['e', 1]], now: ['a'], turns: [['b', 'c'], ['d', 'e']] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const h = harness();
      for (const [name, ms] of c.work) h.arrive(name, ms);
      expect(h.ran).toEqual(c.now);
      for (const turn of c.turns) {
        const before = h.ran.length;
        h.endTurn();
        expect(h.ran.slice(before)).toEqual(turn);
      }
      h.endTurn();
      expect(h.ran).toEqual(c.work.map(([name]) => name));
      expect(h.share.waitingCount).toBe(0);
    });
  }

  it('keeps arrival order: data coming while others wait queues behind them, even with share left', () => {
    const h = harness();
    h.arrive('a', 6);
    h.arrive('b', 1);
    h.endTurn();
    expect(h.ran).toEqual(['a', 'b']);
    // A new turn: the share opens again.
    h.arrive('c', 6);
    h.arrive('d', 6);
    h.arrive('e', 1);
    expect(h.ran).toEqual(['a', 'b', 'c']);
    h.endTurn(); // d runs and uses the share; e waits
    h.arrive('f', 0); // comes in the next poll, while e waits: behind it
    expect(h.ran).toEqual(['a', 'b', 'c', 'd']);
    h.endTurn();
    expect(h.ran).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('opens a new share each turn: a quiet turn after a busy one runs at once', () => {
    const h = harness();
    h.arrive('a', 10);
    h.endTurn();
    h.advance(100);
    h.arrive('b', 1);
    expect(h.ran).toEqual(['a', 'b']);
  });
});
