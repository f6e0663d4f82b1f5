/** Work cut into event-loop slices (src/common/loop-slices.ts): a turn at least every maxUnits units. */
import { createConnection, createServer, type Socket } from 'node:net';
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

  it('lets sockets that became readable during a slice run I/O in between, when the work was resumed by I/O', async () => {
    // Work started by a socket's data (the poll phase) pauses; another socket got data meanwhile.
    // Its handler must run before the next slice: one setImmediate would resume the work in the
    // check phase of the same turn of the loop, before the next poll.
    const accepted: Socket[] = [];
    const server = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const a = createConnection({ port, host: '127.0.0.1' });
    const b = createConnection({ port, host: '127.0.0.1' });
    await Promise.all([a, b].map((c) => new Promise((resolve) => c.once('connect', resolve))));
    while (accepted.length < 2) await new Promise((resolve) => setImmediate(resolve));
    const [workSide, otherSide] = accepted[0]!.remotePort === a.localPort ? [accepted[0]!, accepted[1]!] : [accepted[1]!, accepted[0]!];
    const order: string[] = [];
    otherSide.on('data', () => order.push('other'));
    const done = new Promise<void>((resolve) => {
      workSide.once('data', () => {
        void (async () => {
          const slices = new LoopSlices(0);
          order.push('slice 1');
          b.write('x');
          await slices.pause();
          order.push('slice 2');
          resolve();
        })();
      });
    });
    a.write('go');
    await done;
    while (!order.includes('other')) await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['slice 1', 'other', 'slice 2']);
    a.destroy();
    b.destroy();
    for (const socket of accepted) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
});
