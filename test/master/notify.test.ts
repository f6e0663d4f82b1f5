import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotifyClient, NotifyHub } from '../../src/master/notify.js';

const NOTIFY_JS = resolve(import.meta.dirname, '../../dist/src/master/notify.js');
const dir = mkdtempSync(join(tmpdir(), 'cyrusts-notify-'));
const socketPath = join(dir, 'idle');

// A separate process: echoes every "ping-N" it receives as "pong-N", reports all it sees on stdout.
const ECHO = `
import { NotifyClient } from ${JSON.stringify(NOTIFY_JS)};
const client = NotifyClient.connect(process.argv[2]);
client.subscribe((m) => {
  process.stdout.write(m + '\\n');
  if (process.argv[3] === 'echo' && m.startsWith('ping-')) client.publish('pong-' + m.slice(5));
});
const wait = setInterval(() => { if (client.isConnected) { clearInterval(wait); process.stdout.write('ready\\n'); } }, 5);
process.stdin.on('end', () => client.close().then(() => process.exit(0)));
process.stdin.resume();
`;

function startPeer(mode: 'echo' | 'listen'): { child: ChildProcess; seen: string[]; ready: Promise<void> } {
  const script = join(dir, 'peer.mjs');
  writeFileSync(script, ECHO);
  const child = spawn(process.execPath, [script, socketPath, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
  const seen: string[] = [];
  let pending = '';
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line === 'ready') markReady();
      else seen.push(line);
    }
  });
  return { child, seen, ready };
}

function until(test: () => boolean, ms = 3000): Promise<void> {
  const start = Date.now();
  return new Promise((resolvePromise, reject) => {
    const tick = () => (test() ? resolvePromise() : Date.now() - start > ms ? reject(new Error('timed out')) : setTimeout(tick, 2));
    tick();
  });
}

let hub: NotifyHub;
beforeAll(async () => {
  hub = await NotifyHub.listen(socketPath);
});
afterAll(async () => {
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('change-notification relay', () => {
  it('carries a publish from one process to every other within milliseconds', async () => {
    const echo = startPeer('echo');
    const listener = startPeer('listen');
    await Promise.all([echo.ready, listener.ready]);
    const me = NotifyClient.connect(socketPath);
    await until(() => me.isConnected);
    const mine: string[] = [];
    let awaited: { name: string; wake: (at: number) => void } | null = null;
    me.subscribe((m) => {
      mine.push(m);
      if (awaited && m === awaited.name) awaited.wake(performance.now());
    });
    const rounds = 200;
    const rtts: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const arrived = new Promise<number>((wake) => (awaited = { name: `pong-${i}`, wake }));
      const sent = performance.now();
      me.publish(`ping-${i}`);
      rtts.push((await arrived) - sent);
    }
    rtts.sort((a, b) => a - b);
    const p50 = rtts[Math.floor(rounds * 0.5)]!;
    const p99 = rtts[Math.floor(rounds * 0.99)]!;
    console.log(`notify round trip (publish → other process → publish back), ${rounds} rounds: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
    // our own publish reaches our own subscribers too
    expect(mine).toContain('ping-0');
    // the third process saw every ping and every pong
    await until(() => listener.seen.length >= 2 * rounds);
    expect(listener.seen.filter((m) => m.startsWith('ping-'))).toHaveLength(rounds);
    await me.close();
    for (const peer of [echo, listener]) {
      peer.child.stdin!.end();
      await new Promise((r) => peer.child.once('exit', r));
    }
  });

  it('keeps mailbox names with spaces and non-ASCII intact', async () => {
    const a = NotifyClient.connect(socketPath);
    const b = NotifyClient.connect(socketPath);
    await until(() => a.isConnected && b.isConnected);
    const got: string[] = [];
    b.subscribe((m) => got.push(m));
    for (const name of ['user/anna/Sent Items', 'user/jörg/Entwürfe', 'shared/"quoted"']) a.publish(name);
    await until(() => got.length === 3);
    expect(got).toEqual(['user/anna/Sent Items', 'user/jörg/Entwürfe', 'shared/"quoted"']);
    await Promise.all([a.close(), b.close()]);
  });

  it('gives a remote-only listener the other processes\' changes and never its own process\'s', async () => {
    const a = NotifyClient.connect(socketPath);
    const b = NotifyClient.connect(socketPath);
    await until(() => a.isConnected && b.isConnected);
    const remote: string[] = [];
    const all: string[] = [];
    a.subscribeRemote((m) => remote.push(m));
    a.subscribe((m) => all.push(m));
    a.publish('user/own');
    b.publish('user/other');
    await until(() => remote.includes('user/other') && all.includes('user/other'));
    // a publish of b's after a's own: had a's own come back, it would be there by now
    b.publish('user/last');
    await until(() => remote.includes('user/last'));
    expect(remote).toEqual(['user/other', 'user/last']);
    expect(all).toEqual(['user/own', 'user/other', 'user/last']);
    await Promise.all([a.close(), b.close()]);
  });

  it('is a no-op without a hub and reconnects when the hub comes back', async () => {
    const otherPath = join(dir, 'idle2');
    const lonely = NotifyClient.connect(otherPath);
    expect(() => lonely.publish('user/x')).not.toThrow();
    const second = await NotifyHub.listen(otherPath);
    const peer = NotifyClient.connect(otherPath);
    await until(() => lonely.isConnected && peer.isConnected, 5000);
    const got: string[] = [];
    peer.subscribe((m) => got.push(m));
    lonely.publish('user/y');
    await until(() => got.includes('user/y'));
    // the hub restarts (as when the master restarts): both clients find it again
    await second.close();
    await until(() => !lonely.isConnected);
    const third = await NotifyHub.listen(otherPath);
    await until(() => lonely.isConnected && peer.isConnected, 5000);
    lonely.publish('user/z');
    await until(() => got.includes('user/z'));
    await Promise.all([lonely.close(), peer.close()]);
    await third.close();
  });
});

describe('straight between processes that listen (issue 16, IDLE push)', () => {
  it('reaches a listening peer directly, the others through the hub, each exactly once', async () => {
    const a = NotifyClient.connect(socketPath, undefined, { listen: true });
    const b = NotifyClient.connect(socketPath, undefined, { listen: true });
    const c = NotifyClient.connect(socketPath);
    // The hub introduces the listeners to each other and to c (which may publish to them directly too).
    await until(() => a.directPeers === 1 && b.directPeers === 1 && c.directPeers === 2);
    const got = { a: [] as string[], b: [] as string[], c: [] as string[] };
    a.subscribeRemote((m) => got.a.push(m));
    b.subscribeRemote((m) => got.b.push(m));
    c.subscribeRemote((m) => got.c.push(m));
    const names = Array.from({ length: 50 }, (_, i) => `user/x${i}`);
    for (const name of names) a.publish(name);
    c.publish('user/from-c');
    a.publish('user/end');
    await until(() => got.b.includes('user/end') && got.c.includes('user/end') && got.a.includes('user/from-c') && got.b.includes('user/from-c'));
    // A copy relayed by the hub as well would come a little later: give it the time to.
    await new Promise((r) => setTimeout(r, 300));
    expect(got.b.filter((m) => m.startsWith('user/x'))).toEqual(names);
    expect(got.c.filter((m) => m.startsWith('user/x'))).toEqual(names);
    expect(got.b.filter((m) => m === 'user/from-c' || m === 'user/end')).toHaveLength(2);
    expect(got.a).toEqual(['user/from-c']);
    // b leaves: a forgets it, and what a publishes still reaches c.
    await b.close();
    await until(() => a.directPeers === 0);
    a.publish('user/after');
    await until(() => got.c.includes('user/after'));
    await Promise.all([a.close(), c.close()]);
  });
});

describe('a change line read without JSON.parse (issue 16, change-hub cost)', () => {
  it('gives a peer every name exactly as published, whether it needs unescaping or not', async () => {
    const a = NotifyClient.connect(socketPath, undefined, { listen: true });
    const b = NotifyClient.connect(socketPath, undefined, { listen: true });
    await until(() => a.directPeers === 1 && b.directPeers === 1);
    const got: string[] = [];
    b.subscribeRemote((m) => got.push(m));
    const names = ['user/plain', 'user/a"}', 'user/back\\slash', 'user/jörg/Entwürfe', 'user/tab\tname', 'user/"', '{"m":"x"}', 'user/\u2028line'];
    // Each in a turn of its own (one line per chunk), then all in one turn (several lines per chunk).
    for (const name of names) {
      a.publish(name);
      await new Promise((r) => setImmediate(r));
    }
    for (const name of names) a.publish(`${name}/batched`);
    await until(() => got.length === names.length * 2);
    expect(got).toEqual([...names, ...names.map((n) => `${n}/batched`)]);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('the master off the path of a change (issue 16, IDLE push)', () => {
  it('is not written to when every process that hears changes was reached directly, and is again while one hears only through it', async () => {
    const a = NotifyClient.connect(socketPath, undefined, { listen: true });
    const b = NotifyClient.connect(socketPath, undefined, { listen: true });
    await until(() => a.directPeers === 1 && b.directPeers === 1 && a.hubRelays === 0);
    const gotB: string[] = [];
    b.subscribeRemote((m) => gotB.push(m));
    const before = hub.changesReceived;
    a.publish('user/direct');
    await until(() => gotB.includes('user/direct'));
    await new Promise((r) => setTimeout(r, 100));
    expect(hub.changesReceived).toBe(before);
    // c hears changes only through the hub (no socket of its own): a writes to the hub again.
    const c = NotifyClient.connect(socketPath);
    const gotC: string[] = [];
    c.subscribe((m) => gotC.push(m));
    await until(() => a.hubRelays === 1);
    a.publish('user/relayed');
    await until(() => gotC.includes('user/relayed') && gotB.includes('user/relayed'));
    expect(hub.changesReceived).toBe(before + 1);
    expect(gotB.filter((m) => m === 'user/relayed')).toHaveLength(1);
    // A muted process needs no relay either.
    c.mute();
    await until(() => a.hubRelays === 0);
    a.publish('user/quiet');
    await until(() => gotB.includes('user/quiet'));
    await new Promise((r) => setTimeout(r, 100));
    expect(hub.changesReceived).toBe(before + 1);
    await Promise.all([a.close(), b.close(), c.close()]);
  });
});

describe('publishes in batches (issue 16, imap-load)', () => {
  it('writes the first publish of a turn at once and the rest of the turn together, each name once', async () => {
    const a = NotifyClient.connect(socketPath, undefined, { listen: true });
    const b = NotifyClient.connect(socketPath, undefined, { listen: true });
    await until(() => a.directPeers === 1 && b.directPeers === 1 && a.hubRelays === 0);
    const got: string[] = [];
    b.subscribeRemote((m) => got.push(m));
    const writes = a.changeWrites;
    for (let i = 0; i < 10; i++) a.publish('user/same');
    a.publish('user/other');
    // The first went out at once; the others wait for the end of this turn.
    expect(a.changeWrites).toBe(writes + 1);
    await until(() => got.includes('user/other'));
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(['user/same', 'user/same', 'user/other']);
    expect(a.changeWrites).toBe(writes + 2);
    // What a turn gathered is written by close() too.
    a.publish('user/last-1');
    a.publish('user/last-2');
    await a.close();
    await until(() => got.includes('user/last-2'));
    expect(got.slice(3)).toEqual(['user/last-1', 'user/last-2']);
    await b.close();
  });
});

describe('a process that only publishes (issue 16, imap-load)', () => {
  it('is muted: the hub neither relays changes to it nor introduces it to the peers, until it listens', async () => {
    const publisher = NotifyClient.connect(socketPath, undefined, { listen: true });
    const listener = NotifyClient.connect(socketPath, undefined, { listen: true });
    const quiet = NotifyClient.connect(socketPath, undefined, { listen: true });
    quiet.mute();
    await until(() => publisher.directPeers === 1 && listener.directPeers === 1);
    // A raw hub client that says it is muted: whatever the hub writes to it is recorded.
    const raw = net.createConnection(socketPath);
    let rawText = '';
    raw.setEncoding('utf8').on('data', (chunk: string) => (rawText += chunk));
    await new Promise((r) => raw.once('connect', r));
    raw.write('{"q":true}\n{"l":"/nonexistent/notify-peer"}\n');
    const heard: string[] = [];
    listener.subscribeRemote((m) => heard.push(m));
    await new Promise((r) => setTimeout(r, 200));
    publisher.publish('user/one');
    await until(() => heard.includes('user/one'));
    await new Promise((r) => setTimeout(r, 200));
    // Neither muted process was introduced to the publisher nor sent the change.
    expect(publisher.directPeers).toBe(1);
    expect(rawText).not.toContain('user/one');
    // Unmuted, the raw client is introduced (its bogus socket cannot be reached) and relayed to.
    raw.write('{"q":false}\n');
    await new Promise((r) => setTimeout(r, 200));
    publisher.publish('user/two');
    await until(() => rawText.includes('"m":"user/two"'));
    // A muted client that subscribes is no longer muted.
    const late: string[] = [];
    quiet.subscribeRemote((m) => late.push(m));
    await until(() => publisher.directPeers === 2);
    publisher.publish('user/three');
    await until(() => late.includes('user/three') && heard.includes('user/three'));
    expect(late).toEqual(['user/three']);
    raw.destroy();
    await Promise.all([publisher.close(), listener.close(), quiet.close()]);
  });
});

describe('a short-lived publisher', () => {
  it('delivers a publish made right after connect when the process closes at once', async () => {
    const watcher = NotifyClient.connect(socketPath);
    await until(() => watcher.isConnected);
    const got: string[] = [];
    watcher.subscribe((m) => got.push(m));
    const script = join(dir, 'oneshot.mjs');
    writeFileSync(script, `import { NotifyClient } from ${JSON.stringify(NOTIFY_JS)};
const c = NotifyClient.connect(process.argv[2]);
c.publish('user/tool/INBOX');
await c.close();
`);
    const child = spawn(process.execPath, [script, socketPath], { stdio: 'inherit' });
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    await until(() => got.includes('user/tool/INBOX'));
    await watcher.close();
  });
});
