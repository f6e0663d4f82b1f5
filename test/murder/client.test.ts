// connectMupdate against our own master: every call, pipelining, streaming between two clients,
// errors and timeouts.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMupdate, MupdateError, type MupdateEvent } from '../../src/murder/index.js';
import { startMupdate, type MupdateTestServer } from './harness.js';

let master: MupdateTestServer;
beforeAll(async () => {
  master = await startMupdate({ mode: 'master' });
});
afterAll(async () => {
  await master.close();
});

const login = (extra: Partial<Parameters<typeof connectMupdate>[0]> = {}) =>
  connectMupdate({ host: master.host, port: master.port, authname: 'admin', password: 'pass', ...extra });

/** Events until `predicate` holds for the list so far. */
function collector(): { events: MupdateEvent[]; until(predicate: (events: MupdateEvent[]) => boolean): Promise<void>; push(e: MupdateEvent): void } {
  const events: MupdateEvent[] = [];
  let waiters: Array<() => void> = [];
  return {
    events,
    push(e) {
      events.push(e);
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    },
    async until(predicate) {
      while (!predicate(events)) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

describe('connectMupdate', () => {
  it('reserves, activates, finds, lists and deletes, pipelined', async () => {
    const c = await login();
    await Promise.all([c.reserve('user.cl', 'b1!p'), c.activate('user.cl', 'b1!p', 'cl\tlrs\t'), c.activate('user.cl2', 'b2!p', '')]);
    expect(await c.find('user.cl')).toEqual({ kind: 'mailbox', name: 'user.cl', location: 'b1!p', acl: 'cl\tlrs\t' });
    expect(await c.find('user.none')).toBeNull();
    expect(await c.list()).toEqual([
      { kind: 'mailbox', name: 'user.cl', location: 'b1!p', acl: 'cl\tlrs\t' },
      { kind: 'mailbox', name: 'user.cl2', location: 'b2!p', acl: '' },
    ]);
    expect(await c.list('b2')).toEqual([{ kind: 'mailbox', name: 'user.cl2', location: 'b2!p', acl: '' }]);
    const refused = await c.reserve('user.cl', 'b3!p').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MupdateError);
    expect(refused).toMatchObject({ reason: 'no', message: 'mailbox already exists' });
    await Promise.all([c.delete('user.cl'), c.delete('user.cl2'), c.noop()]);
    expect(await c.list()).toEqual([]);
    await c.close();
  });

  it('carries names and ACLs with spaces, quotes and 8-bit text', async () => {
    const c = await login();
    const name = 'user.a "b" \\c é';
    await c.activate(name, 'b1!p', 'x y\tlrs\t');
    expect(await c.find(name)).toEqual({ kind: 'mailbox', name, location: 'b1!p', acl: 'x y\tlrs\t' });
    await c.delete(name);
    await c.close();
  });

  it('streams: the list, synced, then every change another client makes', async () => {
    const writer = await login();
    await writer.activate('user.before', 'b1!p', 'x\tlr\t');
    const reader = await login();
    const seen = collector();
    let syncedAt = -1;
    await reader.update((e) => seen.push(e), () => {
      syncedAt = seen.events.length;
    });
    expect(seen.events).toEqual([{ kind: 'mailbox', name: 'user.before', location: 'b1!p', acl: 'x\tlr\t' }]);
    expect(syncedAt).toBe(1);
    await writer.reserve('user.new', 'b2!p');
    await seen.until((ev) => ev.length >= 2);
    await writer.activate('user.new', 'b2!p', 'n\tlrs\t');
    await seen.until((ev) => ev.length >= 3);
    await writer.delete('user.before');
    await seen.until((ev) => ev.length >= 4);
    expect(seen.events.slice(1)).toEqual([
      { kind: 'reserve', name: 'user.new', location: 'b2!p' },
      { kind: 'mailbox', name: 'user.new', location: 'b2!p', acl: 'n\tlrs\t' },
      { kind: 'delete', name: 'user.before' },
    ]);
    await reader.noop();
    await expect(reader.find('user.new')).rejects.toMatchObject({ reason: 'bad', message: 'not legal when streaming' });
    await writer.delete('user.new');
    await reader.close();
    await writer.close();
  });

  it('fails with reason auth for a wrong password or a user who is not an admin', async () => {
    await expect(login({ password: 'nope' })).rejects.toMatchObject({ reason: 'auth' });
    await expect(login({ authname: 'fred' })).rejects.toMatchObject({ reason: 'auth' });
  });

  it('fails with reason connection when nothing listens, and tells onClose when the server goes', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await expect(connectMupdate({ host: '127.0.0.1', port, authname: 'admin', password: 'pass' })).rejects.toMatchObject({ reason: 'connection' });

    const other = await startMupdate({ mode: 'master' });
    const c = await connectMupdate({ host: other.host, port: other.port, authname: 'admin', password: 'pass' });
    const closed = new Promise<Error | null>((resolve) => c.onClose(resolve));
    const pending = c.update(() => undefined);
    await pending;
    await other.close();
    expect(await closed).toBeInstanceOf(MupdateError);
    await expect(c.noop()).rejects.toMatchObject({ reason: 'connection' });
  });

  it('times out a server that never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => {
      sockets.push(s);
      s.write('* OK MUPDATE "x" "y" "z" "(master)"\r\n');
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    await expect(connectMupdate({ host: '127.0.0.1', port, authname: 'admin', password: 'pass', timeoutMs: 200 })).rejects.toMatchObject({ reason: 'connection' });
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('lets a stream stay quiet longer than the reply timeout', async () => {
    const c = await login({ timeoutMs: 100 });
    let closed: Error | null | undefined;
    c.onClose((err) => {
      closed = err;
    });
    await c.update(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(closed).toBeUndefined();
    await c.close();
  });

  it('does not call onClose after close()', async () => {
    const c = await login();
    let called = false;
    c.onClose(() => {
      called = true;
    });
    await c.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(called).toBe(false);
  });
});
