import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdlePoller } from '../../src/imap/session/idle-poll.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the IDLE safety poll of a process', () => {
  it('wakes each idler about once a period, spread over the period, until it leaves', () => {
    const poller = new IdlePoller(() => 1600);
    const t0 = Date.now();
    const woken: number[][] = [[], [], []];
    const stops = woken.map((list) => poller.add(() => list.push(Date.now() - t0)));
    vi.advanceTimersByTime(100 * 5);
    // a third joins later: its first wake comes a period after it joined, not with the others'
    const late: number[] = [];
    const stopLate = poller.add(() => late.push(Date.now() - t0));
    vi.advanceTimersByTime(1600 * 2);
    // ticks every 1600/16 = 100 ms; a newcomer joins the slot woken a full period (16 ticks) later
    for (const list of woken) expect(list).toEqual([1600, 3200]);
    expect(late).toEqual([2100, 3700]);
    // those who leave are not woken again; the one left still is
    stops[0]!();
    stops[1]!();
    stopLate();
    vi.advanceTimersByTime(1600);
    expect(woken.map((list) => list.length)).toEqual([2, 2, 3]);
    expect(late).toHaveLength(2);
    stops[2]!();
    expect(poller.size).toBe(0);
    vi.advanceTimersByTime(1600 * 3);
    expect(woken[2]).toHaveLength(3);
    // no timer left running once nobody idles
    expect(vi.getTimerCount()).toBe(0);
  });
});
