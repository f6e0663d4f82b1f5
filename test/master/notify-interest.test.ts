// Issue 16: the change hub routes by interest. A listening process that narrowed says which
// mailbox names it wants (its sessions' selected mailboxes, or every name while one has NOTIFY),
// and publishers write it only those. Each test here fails when that routing is broken: a change
// written to a process that does not want it, or one lost to the race between a declaration and
// a publish.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeInterest } from '../../src/common/service.js';
import { NotifyClient, NotifyHub } from '../../src/master/notify.js';

function until(test: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  return new Promise((resolvePromise, reject) => {
    const tick = () => (test() ? resolvePromise() : Date.now() - start > ms ? reject(new Error('timed out')) : setTimeout(tick, 2));
    tick();
  });
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe('routing changes by interest (two processes on the channel)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cyrusts-notify-interest-'));
  let hub: NotifyHub;
  let publisher: NotifyClient;
  let listener: NotifyClient;
  let interest: ChangeInterest;
  const heard: string[] = [];

  /**
   * What `listener` heard (since the test cleared `heard`) before the name `barrier`: wanted now and
   * published last, it comes behind whatever the publisher wrote before on the same connection.
   */
  async function heardUpTo(barrier: string): Promise<string[]> {
    interest.want(barrier);
    await until(() => listener.routingPublishers.settled);
    publisher.publish(barrier);
    await until(() => heard.includes(barrier));
    interest.unwant(barrier);
    await until(() => listener.routingPublishers.settled);
    return heard.slice(0, heard.indexOf(barrier));
  }

  beforeAll(async () => {
    hub = await NotifyHub.listen(join(dir, 'idle'));
    publisher = NotifyClient.connect(hub.path, undefined, { listen: true });
    listener = NotifyClient.connect(hub.path, undefined, { listen: true });
    listener.subscribeRemote((name) => heard.push(name));
    interest = listener.narrow();
    // Each reaches the other directly, and the publisher has applied the first declaration (nothing).
    await until(() => publisher.directPeers === 1 && listener.routingPublishers.count === 1 && listener.routingPublishers.settled);
  });

  afterAll(async () => {
    await publisher?.close();
    await listener?.close();
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes nothing to a process that wants no name', async () => {
    heard.length = 0;
    const skipped = publisher.changesSkipped;
    for (let i = 0; i < 20; i++) {
      publisher.publish('user.nobody');
      await nextTurn();
    }
    expect(await heardUpTo('barrier.1')).toEqual([]);
    expect(publisher.changesSkipped - skipped).toBeGreaterThanOrEqual(20);
    // The master was not asked to relay either.
    expect(hub.changesReceived).toBe(0);
  });

  it('writes a name once the process wants it, and stops once it no longer does', async () => {
    interest.want('user.fred');
    await until(() => listener.routingPublishers.settled);
    heard.length = 0;
    publisher.publish('user.fred');
    await until(() => heard.includes('user.fred'));
    interest.unwant('user.fred');
    await until(() => listener.routingPublishers.settled);
    heard.length = 0;
    publisher.publish('user.fred');
    await nextTurn();
    expect(await heardUpTo('barrier.2')).toEqual([]);
  });

  it('tells of a change the publisher left out before it applied the declaration wanting it (catch-up)', async () => {
    const skipped = publisher.changesSkipped;
    // Wanted, and changed in the same turn: the declaration is not even written yet, so the publisher leaves it out.
    interest.want('user.race');
    heard.length = 0;
    publisher.publish('user.race');
    expect(publisher.changesSkipped).toBe(skipped + 1);
    await until(() => heard.includes('user.race'));
    interest.unwant('user.race');
    await until(() => listener.routingPublishers.settled);
  });

  it('writes every name while the process wants all, those left out just before included', async () => {
    const skipped = publisher.changesSkipped;
    interest.wantAll(true);
    heard.length = 0;
    publisher.publish('user.notify1');
    expect(publisher.changesSkipped).toBe(skipped + 1);
    await until(() => heard.includes('user.notify1'));
    await until(() => listener.routingPublishers.settled);
    publisher.publish('user.notify2');
    await until(() => heard.includes('user.notify2'));
    interest.wantAll(false);
    await until(() => listener.routingPublishers.settled);
    heard.length = 0;
    publisher.publish('user.notify3');
    await nextTurn();
    expect(await heardUpTo('barrier.3')).toEqual([]);
  });

  it('writes everything to a process that never narrowed', async () => {
    const plain = NotifyClient.connect(hub.path, undefined, { listen: true });
    const plainHeard: string[] = [];
    plain.subscribeRemote((name) => plainHeard.push(name));
    await until(() => publisher.directPeers === 2 && plain.routingPublishers.count === 2);
    publisher.publish('user.anything');
    await until(() => plainHeard.includes('user.anything'));
    await plain.close();
  });
});
