/**
 * An append's facts ride its change line ({"m": name, "f": "..."}: src/common/append-facts.ts):
 * straight to a peer's socket, through the hub's relay, with a name that needs JSON escaping, and
 * in a batch of one turn's publishes (the last facts of a name). A change without facts arrives
 * without them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppendFacts } from '../../src/common/index.js';
import { NotifyClient, NotifyHub } from '../../src/master/notify.js';

const dir = mkdtempSync(join(tmpdir(), 'cyrusts-notify-facts-'));
let hub: NotifyHub;

beforeAll(async () => {
  hub = await NotifyHub.listen(join(dir, 'idle'));
});
afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function facts(before: number): AppendFacts {
  return { uniqueId: 'a1b2c3d4-0000-4000-8000-0123456789ab', uidValidity: 1733280000, modseqBefore: before, modseqAfter: before + 1, firstUid: before + 10, lastUid: before + 12, keywords: before % 2 === 1 };
}

type Heard = Array<[string, AppendFacts | undefined]>;

describe('append facts on the change channel', () => {
  it('reach a peer directly and a relayed client through the hub, as published', async () => {
    const publisher = NotifyClient.connect(hub.path);
    const peer = NotifyClient.connect(hub.path, undefined, { listen: true });
    // No socket of its own: hears changes only from the hub's relay (which parses and writes them again).
    const relayed = NotifyClient.connect(hub.path);
    const direct: Heard = [];
    const viaHub: Heard = [];
    peer.subscribe((m, f) => direct.push([m, f]));
    relayed.subscribe((m, f) => viaHub.push([m, f]));
    await until(() => publisher.isConnected && relayed.isConnected && publisher.directPeers === 1);
    const before = hub.changesReceived;
    publisher.publish('user.fred', facts(4));
    await until(() => direct.length === 1 && viaHub.length === 1);
    expect(hub.changesReceived).toBe(before + 1);
    expect(direct).toEqual([['user.fred', facts(4)]]);
    expect(viaHub).toEqual([['user.fred', facts(4)]]);
    // Without facts: none.
    await new Promise((r) => setImmediate(r));
    publisher.publish('user.fred');
    await until(() => direct.length === 2 && viaHub.length === 2);
    expect(direct[1]).toEqual(['user.fred', undefined]);
    expect(viaHub[1]).toEqual(['user.fred', undefined]);
    await Promise.all([publisher.close(), peer.close(), relayed.close()]);
  });

  it('keep a name that needs escaping, and give a batch the last facts of each name', async () => {
    const publisher = NotifyClient.connect(hub.path);
    const peer = NotifyClient.connect(hub.path, undefined, { listen: true });
    const heard: Heard = [];
    peer.subscribe((m, f) => heard.push([m, f]));
    await until(() => publisher.isConnected && publisher.directPeers === 1);
    publisher.publish('shared/"quoted" \\ name', facts(7));
    // The same turn: gathered and written when it ends, once per name.
    publisher.publish('user.anna', facts(1));
    publisher.publish('user.anna', facts(2));
    publisher.publish('user.bob');
    await until(() => heard.length === 3);
    expect(heard).toEqual([
      ['shared/"quoted" \\ name', facts(7)],
      ['user.anna', facts(2)],
      ['user.bob', undefined],
    ]);
    await Promise.all([publisher.close(), peer.close()]);
  });
});
