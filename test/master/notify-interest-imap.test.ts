// Issue 16: two imapd "workers" (the imapd program started as a worker starts it: its own channel
// client listening beside the hub, narrowed to what its sessions watch) on one spool, with real
// clients. A worker hears a mailbox's changes from the other only while one of its sessions has
// that mailbox selected (or has NOTIFY); an IDLE there still hears them at once.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import type { ServiceContext, ServiceInstance } from '../../src/common/service.js';
import { ImapdConfig } from '../../src/config/index.js';
import { imapProgram } from '../../src/imap/program.js';
import { ImapServer } from '../../src/imap/server.js';
import { NotifyClient, NotifyHub } from '../../src/master/notify.js';
import { RawClient } from '../imap/harness.js';

interface Worker {
  notify: NotifyClient;
  instance: ServiceInstance;
  server: net.Server;
  port: number;
  /** The names other processes' changes told this worker's program, in order. */
  heard: string[];
}

function until(test: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  return new Promise((resolvePromise, reject) => {
    const tick = () => (test() ? resolvePromise() : Date.now() - start > ms ? reject(new Error('timed out')) : setTimeout(tick, 5));
    tick();
  });
}

const dir = mkdtempSync(join(tmpdir(), 'cyrusts-notify-interest-imap-'));
let config: ImapdConfig;
let hub: NotifyHub;
let a: Worker;
let b: Worker;

/** What src/master/worker.ts does for an imapd worker, with the channel's deliveries recorded. */
async function startWorker(): Promise<Worker> {
  const notify = NotifyClient.connect(hub.path, silentLogger(), { listen: true });
  const heard: string[] = [];
  const channel = {
    publish: (name: string) => notify.publish(name),
    subscribe: (listener: (name: string) => void) =>
      notify.subscribeRemote((name) => {
        heard.push(name);
        listener(name);
      }),
    narrow: () => notify.narrow(),
  };
  const ctx: ServiceContext = { serviceName: 'imap', config, logger: silentLogger(), notify: channel, argv: [], tls: false };
  const instance = await imapProgram.start(ctx);
  const server = net.createServer((socket) => instance.handleConnection(socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { notify, instance, server, port: (server.address() as net.AddressInfo).port, heard };
}

async function login(worker: Worker): Promise<RawClient> {
  const c = await RawClient.connect(worker.port);
  expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
  return c;
}

/** Both workers have applied each other's last declaration. */
const settled = () => until(() => a.notify.routingPublishers.settled && b.notify.routingPublishers.settled);

/** Worker `w` has declared (`wanted`) or dropped `name`, and its publishers have applied that. */
async function declared(w: Worker, name: string, wanted: boolean): Promise<void> {
  await until(() => {
    const d = w.notify.declared;
    return Array.isArray(d) && d.includes(name) === wanted;
  });
  await settled();
}

let appends = 0;
async function append(c: RawClient, mailbox: string): Promise<void> {
  const body = `Subject: ${++appends}\r\n\r\nhello\r\n`;
  expect((await c.command(`a${appends}`, `APPEND ${mailbox} {${body.length}+}\r\n${body}`)).at(-1)).toMatch(/ OK /);
}

beforeAll(async () => {
    // The interest of a mailbox no session selects is dropped at once here (it lingers 10 s by default).
    vi.stubEnv('CYRUSTS_INTEREST_LINGER_MS', '0');
  mkdirSync(join(dir, 'conf'));
  mkdirSync(join(dir, 'spool'));
  writeFileSync(join(dir, 'imapd.conf'), [
    `configdirectory: ${join(dir, 'conf')}`,
    `partition-default: ${join(dir, 'spool')}`,
    'allowplaintext: yes',
    'fsync_disabled: yes',
    'auth_failure_delay: 0',
  ].join('\n') + '\n');
  config = ImapdConfig.load(join(dir, 'imapd.conf')).forService('imap');
  // The user, with a cheap password hash (verified at its own cost).
  const setup = ImapServer.create({ config, serviceName: 'imap', logger: silentLogger(), auth: { passwordStore: { scrypt: { N: 1024, r: 8, p: 1 }, scramIterations: 64 } } });
  await setup.deps.auth.store.setPassword('fred', 'pass');
  setup.close();
  hub = await NotifyHub.listen(config.path('idlesocket')!);
  a = await startWorker();
  b = await startWorker();
  // Each worker writes to the other directly, and routes by what the other wants.
  await until(() => a.notify.directPeers === 1 && b.notify.directPeers === 1 && a.notify.routingPublishers.count === 1 && b.notify.routingPublishers.count === 1);
  const c = await login(a);
  await c.command('c1', 'CREATE INBOX');
  await c.command('c2', 'CREATE Other');
  c.close();
  await settled();
}, 30_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  for (const w of [a, b]) {
    if (!w) continue;
    await w.instance.shutdown(Date.now());
    w.server.close();
    await w.notify.close();
  }
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a worker hears only the changes its sessions watch', () => {
  it('sends a worker none of a mailbox none of its sessions has selected', async () => {
    const other = await login(b);
    await other.command('s', 'SELECT Other');
    const writer = await login(a);
    await declared(b, 'user.fred.Other', true);
    const skipped = a.notify.changesSkipped;
    const heard = b.heard.length;
    await append(writer, 'INBOX');
    await append(writer, 'INBOX');
    // Left out at the publish, not written: nothing in flight either.
    expect(a.notify.changesSkipped - skipped).toBeGreaterThanOrEqual(2);
    // The selected mailbox still comes through (and behind anything written before it).
    await append(writer, 'Other');
    await until(() => b.heard.includes('user.fred.Other', heard));
    expect(b.heard.slice(heard).filter((n) => n === 'user.fred')).toEqual([]);
    other.close();
    writer.close();
  });

  it('pushes an APPEND in one worker to an IDLE on the mailbox in the other, until UNSELECT and LOGOUT', async () => {
    const idler = await login(b);
    const writer = await login(a);
    const watcher = await login(b);
    await idler.command('s', 'SELECT INBOX');
    expect(await idler.command('u', 'UNSELECT')).toEqual(['u OK UNSELECT completed']);
    await declared(b, 'user.fred', false);
    // No session of b selects INBOX any more: a leaves its changes out.
    let skipped = a.notify.changesSkipped;
    await append(writer, 'INBOX');
    expect(a.notify.changesSkipped).toBeGreaterThan(skipped);

    const selected = await idler.command('s2', 'SELECT INBOX');
    const exists = Number(/^\* (\d+) EXISTS$/m.exec(selected.join('\n'))![1]);
    idler.write('i IDLE\r\n');
    expect(await idler.readLine()).toBe('+ idling');
    // No wait for the declaration: whether a has applied it yet or not, the change reaches the IDLE
    // at once (well before IDLE's 5 s safety poll): written by a, or told by b's catch-up.
    await append(writer, 'INBOX');
    expect((await idler.readUntil((l) => /^\* \d+ EXISTS$/.test(l), 3000)).at(-1)).toBe(`* ${exists + 1} EXISTS`);
    await declared(b, 'user.fred', true);
    // Now declared: a writes the change to b.
    skipped = a.notify.changesSkipped;
    const heard = b.heard.length;
    await append(writer, 'INBOX');
    expect((await idler.readUntil((l) => /^\* \d+ EXISTS$/.test(l), 3000)).at(-1)).toBe(`* ${exists + 2} EXISTS`);
    expect(b.heard.indexOf('user.fred', heard)).toBeGreaterThanOrEqual(0);
    expect(a.notify.changesSkipped).toBe(skipped);
    idler.write('DONE\r\n');
    await idler.readUntil((l) => l.startsWith('i '));

    // A second session selects it too; the interest goes when the last one logs out.
    await watcher.command('s', 'SELECT INBOX');
    await idler.command('o', 'LOGOUT');
    await until(() => idler.closed);
    await settled();
    skipped = a.notify.changesSkipped;
    await append(writer, 'INBOX');
    expect(a.notify.changesSkipped).toBe(skipped);
    await watcher.command('o', 'LOGOUT');
    await declared(b, 'user.fred', false);
    await append(writer, 'INBOX');
    expect(a.notify.changesSkipped).toBeGreaterThan(skipped);
    writer.close();
  }, 20_000);

  it('sends a worker with a NOTIFY session every change, and none once it ends', async () => {
    const notifier = await login(b);
    const writer = await login(a);
    expect((await notifier.command('n', 'NOTIFY SET (personal (MessageNew MessageExpunge))')).at(-1)).toBe('n OK NOTIFY completed');
    // No wait: a change right after NOTIFY SET is told too.
    await append(writer, 'Other');
    expect((await notifier.readUntil((l) => l.startsWith('* STATUS Other'), 3000)).at(-1)).toMatch(/^\* STATUS Other \(MESSAGES \d+ UIDNEXT \d+\)$/);
    await append(writer, 'INBOX');
    expect((await notifier.readUntil((l) => l.startsWith('* STATUS INBOX'), 3000)).at(-1)).toMatch(/^\* STATUS INBOX /);
    await notifier.command('o', 'LOGOUT');
    await until(() => b.notify.declared !== 'all');
    await settled();
    const skipped = a.notify.changesSkipped;
    await append(writer, 'Other');
    expect(a.notify.changesSkipped).toBeGreaterThan(skipped);
    writer.close();
  }, 20_000);
});
