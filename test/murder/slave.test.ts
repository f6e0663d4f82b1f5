// A slave mupdate mirroring a master in the same process: the initial list (stale entries
// removed), every later change, read-only service to its own clients, and a reconnect after the
// master restarts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { connectMupdate, type MupdateConnection, type MupdateEvent } from '../../src/murder/index.js';
import { MailStore } from '../../src/store/index.js';
import { RawClient, startMupdate, type MupdateTestServer } from './harness.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function slaveConf(master: MupdateTestServer): string[] {
  return ['mupdate_server: 127.0.0.1', `mupdate_port: ${master.port}`, 'mupdate_authname: admin', 'mupdate_password: pass'];
}

async function admin(server: MupdateTestServer): Promise<MupdateConnection> {
  const c = await connectMupdate({ host: server.host, port: server.port, authname: 'admin', password: 'pass' });
  cleanups.push(() => c.close());
  return c;
}

/** A stream on `server` whose events a test can wait for. */
async function watch(server: MupdateTestServer): Promise<{ events: MupdateEvent[]; until(p: (e: MupdateEvent) => boolean): Promise<void> }> {
  const c = await admin(server);
  const events: MupdateEvent[] = [];
  let waiters: Array<() => void> = [];
  await c.update((e) => {
    events.push(e);
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  });
  return {
    events,
    async until(p) {
      while (!events.some(p)) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

describe('mupdate slave', () => {
  it('mirrors the master: the initial list replaces stale entries, then every change', async () => {
    const master = await startMupdate({ mode: 'master' });
    cleanups.push(() => master.close());
    const m = await admin(master);
    await m.activate('user.one', 'b1!p1', 'one\tlrs\t');
    await m.reserve('user.two', 'b2!p2');

    // The slave's mailboxes.db holds an entry the master no longer has.
    const dir = mkdtempSync(join(tmpdir(), 'cyrusts-mupdate-slave-'));
    mkdirSync(join(dir, 'conf'));
    writeFileSync(join(dir, 'seed.conf'), `configdirectory: ${join(dir, 'conf')}\npartition-default: ${join(dir, 'spool')}\nfsync_disabled: yes\n`);
    const seed = MailStore.open({ config: ImapdConfig.load(join(dir, 'seed.conf')) });
    seed.putRemoteEntry({ name: 'user.stale', server: 'b9', partition: 'p', acl: '' });
    seed.close();

    const slave = await startMupdate({ mode: 'slave', dir, conf: slaveConf(master) });
    cleanups.push(() => slave.close());
    const stream = await watch(slave);
    // The sync removes the stale entry before it writes the master's records: once user.one is there, it is gone.
    await stream.until((e) => e.name === 'user.one');
    expect(slave.mirror()).toEqual([
      { name: 'user.one', server: 'b1', partition: 'p1', acl: 'one\tlrs\t', type: ['remote'] },
      { name: 'user.two', server: 'b2', partition: 'p2', acl: '', type: ['reserved', 'remote'] },
    ]);

    await m.activate('user.two', 'b2!p2', 'two\tlr\t');
    await m.activate('user.three', 'b3!p3', '');
    await m.delete('user.one');
    await stream.until((e) => e.kind === 'delete' && e.name === 'user.one');
    expect(slave.mirror()).toEqual([
      { name: 'user.three', server: 'b3', partition: 'p3', acl: '', type: ['remote'] },
      { name: 'user.two', server: 'b2', partition: 'p2', acl: 'two\tlr\t', type: ['remote'] },
    ]);
  });

  it('leaves a local mailbox of the same name alone and mirrors the rest', async () => {
    const master = await startMupdate({ mode: 'master' });
    cleanups.push(() => master.close());
    const m = await admin(master);
    await m.activate('user.a', 'b1!p', '');
    await m.activate('user.local', 'b1!p', '');
    await m.activate('user.z', 'b1!p', '');
    const dir = mkdtempSync(join(tmpdir(), 'cyrusts-mupdate-slave-'));
    mkdirSync(join(dir, 'conf'));
    writeFileSync(join(dir, 'seed.conf'), `configdirectory: ${join(dir, 'conf')}\npartition-default: ${join(dir, 'spool')}\nfsync_disabled: yes\n`);
    const seed = MailStore.open({ config: ImapdConfig.load(join(dir, 'seed.conf')) });
    seed.createMailbox('user.local');
    seed.close();
    const slave = await startMupdate({ mode: 'slave', dir, conf: slaveConf(master) });
    cleanups.push(() => slave.close());
    const stream = await watch(slave);
    await stream.until((e) => e.name === 'user.z');
    expect(slave.mirror().map((e) => e.name)).toEqual(['user.a', 'user.z']);
    const check = MailStore.open({ config: slave.config });
    expect(check.lookup('user.local')).toMatchObject({ name: 'user.local', server: null, type: [] });
    check.close();
  });

  it('serves its own clients read-only, greeting as a slave', async () => {
    const master = await startMupdate({ mode: 'master' });
    cleanups.push(() => master.close());
    const m = await admin(master);
    await m.activate('user.ro', 'b1!p1', 'ro\tlrs\t');
    const slave = await startMupdate({ mode: 'slave', conf: slaveConf(master) });
    cleanups.push(() => slave.close());
    const stream = await watch(slave);
    await stream.until((e) => e.name === 'user.ro');

    const c = await RawClient.connect(slave.port);
    cleanups.push(() => c.close());
    expect(c.greeting).toMatch(/\* OK MUPDATE "mupdate.test" "Cyrus IMAP" "cyrusts" "\(slave\)"\r\n$/);
    await c.login();
    expect(await c.command('A', 'FIND "user.ro"')).toBe('A MAILBOX {7+}\r\nuser.ro {5+}\r\nb1!p1 {7+}\r\nro\tlrs\t\r\nA OK "Search completed"\r\n');
    expect(await c.command('B', 'LIST')).toBe('B MAILBOX {7+}\r\nuser.ro {5+}\r\nb1!p1 {7+}\r\nro\tlrs\t\r\nB OK "list complete"\r\n');
    for (const cmd of ['ACTIVATE "user.x" "b!p" ""', 'RESERVE "user.x" "b!p"', 'DELETE "user.ro"']) {
      expect(await c.command('C', cmd)).toBe('C NO "slave mupdate server: changes go to the master"\r\n');
    }
    expect(await c.command('D', 'FIND "user.x"')).toBe('D OK "Search completed"\r\n');
  });

  it('reconnects after the master restarts and catches up, removing what the master lost', async () => {
    const first = await startMupdate({ mode: 'master', keepDir: true });
    const port = first.port;
    const dir = first.dir;
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const m1 = await connectMupdate({ host: first.host, port, authname: 'admin', password: 'pass' });
    await m1.activate('user.kept', 'b1!p', '');
    await m1.activate('user.lost', 'b1!p', '');
    await m1.close();
    const slave = await startMupdate({ mode: 'slave', conf: slaveConf(first) });
    cleanups.push(() => slave.close());
    const stream = await watch(slave);
    await stream.until((e) => e.name === 'user.lost');

    await first.close();
    // While the master is down its list loses an entry (restored from an older copy, say).
    const store = MailStore.open({ config: first.config });
    store.removeRemoteEntry('user.lost');
    store.close();
    const synced = slave.nextSync();
    const second = await startMupdate({ mode: 'master', dir, port });
    cleanups.push(() => second.close());
    await synced;
    await stream.until((e) => e.kind === 'delete' && e.name === 'user.lost');
    expect(slave.mirror().map((e) => e.name)).toEqual(['user.kept']);

    const m2 = await admin(second);
    await m2.activate('user.after', 'b2!p', '');
    await stream.until((e) => e.name === 'user.after');
    expect(slave.mirror().map((e) => e.name)).toEqual(['user.after', 'user.kept']);
  });
});
