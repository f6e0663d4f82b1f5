// The pusher drains the outbox to the mupdate master (a fake here) in order: retries while the
// master is down, one drainer at a time among several stores (processes) on one mailboxes.db,
// a refused row dropped, a dead kept connection replaced at once.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { makeEnv, type TestEnv } from '../store/helpers.js';
import { listPublisherFactory, MailboxListPusher, murderSettings } from '../../src/murder/index.js';
import type { MailStore } from '../../src/store/index.js';
import { FakeMupdate } from './fake-mupdate.js';

const BACKEND = [
  'servername: be1.example',
  'mupdate_server: mupdate.example',
  'mupdate_port: 3905',
  'mupdate_authname: murder',
  'mupdate_password: secret',
  'delete_mode: immediate',
].join('\n');
let env: TestEnv;
afterEach(() => env?.cleanup());

/** Resolves once `done()` holds (looked at every 10 ms, for at most 10 s). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(done()).toBe(true);
}

/** A store with a pusher whose retry delay is `retryDelayMs`. */
function openWithPusher(fake: FakeMupdate, retryDelayMs = 20): MailStore {
  return env.open({
    publisher: (store, murder) => new MailboxListPusher({
      outbox: store.murderOutbox,
      settings: { ...murderSettings(murder.config, murder.servername), retryDelayMs },
      connect: fake.connect,
      logger: murder.logger,
    }),
  });
}

describe('the pusher', () => {
  it('pushes every change in order, logging in as mupdate_authname', async () => {
    env = makeEnv(BACKEND);
    const fake = new FakeMupdate();
    const store = env.open({ publisher: listPublisherFactory(fake.connect) });
    store.createMailbox('user.fred', { acl: 'fred\tlrs\t' });
    store.createMailbox('user.fred.a', { acl: 'fred\tlrs\t' });
    store.renameMailbox('user.fred.a', 'user.fred.b');
    store.setAcl('user.fred.b', 'fred\tlrs\tjoe\tl\t');
    expect(await store.mailboxListPushed(10_000)).toBe(true);
    expect(fake.log).toEqual([
      'ACTIVATE user.fred be1.example!default fred\tlrs\t',
      'ACTIVATE user.fred.a be1.example!default fred\tlrs\t',
      'DELETE user.fred.a',
      'ACTIVATE user.fred.b be1.example!default fred\tlrs\t',
      'ACTIVATE user.fred.b be1.example!default fred\tlrs\tjoe\tl\t',
    ]);
    expect(store.murderOutbox.pending()).toEqual([]);
    expect(store.murderOutbox.lease()).toBeNull(); // given up once the outbox is empty
    expect(fake.logins).toEqual([{ host: 'mupdate.example', port: 3905, authname: 'murder', password: 'secret', tls: expect.objectContaining({ mode: 'optional' }) }]);
    expect(fake.connects).toBe(1); // one connection kept for all rows
  });

  it('keeps the rows while the master is down and pushes them once it is back', async () => {
    env = makeEnv(BACKEND);
    const fake = new FakeMupdate();
    fake.down = true;
    const store = openWithPusher(fake);
    store.createMailbox('user.fred');
    store.deleteMailbox('user.fred');
    store.createMailbox('user.fred', { acl: 'fred\tlr\t' });
    expect(await store.mailboxListPushed(200)).toBe(false);
    expect(store.murderOutbox.pending()).toHaveLength(3);
    // The pusher tries again by itself, nobody waiting on it (twice more: not just a drain in flight).
    const tried = fake.connects;
    await until(() => fake.connects >= tried + 2);
    fake.down = false;
    // The pusher's own retry, nobody waiting on it.
    await until(() => fake.log.length === 3);
    expect(store.murderOutbox.pending()).toEqual([]);
    expect(fake.log).toEqual([
      'ACTIVATE user.fred be1.example!default ',
      'DELETE user.fred',
      'ACTIVATE user.fred be1.example!default fred\tlr\t',
    ]);
  });

  it('several stores on one mailboxes.db: one drains at a time, every row once, in order', async () => {
    env = makeEnv(BACKEND);
    const fake = new FakeMupdate();
    fake.latencyMs = 2;
    const stores = [openWithPusher(fake), openWithPusher(fake), openWithPusher(fake)];
    for (let i = 0; i < 30; i++) {
      const store = stores[i % 3]!;
      store.createMailbox(`user.u${i % 5}.f${i}`);
      if (i % 4 === 0) store.setAcl(`user.u${i % 5}.f${i}`, `u${i}\tlr\t`);
    }
    const written = stores[0]!.murderOutbox.pending(1000).map((r) => (r.action === 'activate' ? `ACTIVATE ${r.name} ${r.location} ${r.acl}` : `DELETE ${r.name}`));
    expect(written.length).toBe(38);
    const results = await Promise.all(stores.map((s) => s.mailboxListPushed(20_000)));
    expect(results).toEqual([true, true, true]);
    expect(fake.log).toEqual(written);
  });

  it('a row the master refuses (NO) is dropped; the next ones go on', async () => {
    env = makeEnv(BACKEND);
    const fake = new FakeMupdate();
    fake.refuse.add('user.bad');
    const store = openWithPusher(fake);
    store.createMailbox('user.bad');
    store.createMailbox('user.good');
    expect(await store.mailboxListPushed(10_000)).toBe(true);
    expect(fake.log).toEqual(['ACTIVATE user.good be1.example!default ']);
    expect(store.murderOutbox.pending()).toEqual([]);
  });

  it('a kept connection that died is replaced at once, without waiting the retry delay', async () => {
    env = makeEnv(BACKEND);
    const fake = new FakeMupdate();
    const store = openWithPusher(fake, 60_000);
    store.createMailbox('user.a');
    expect(await store.mailboxListPushed(10_000)).toBe(true);
    fake.dropConnections(true);
    store.createMailbox('user.b');
    expect(await store.mailboxListPushed(10_000)).toBe(true);
    expect(fake.log).toEqual(['ACTIVATE user.a be1.example!default ', 'ACTIVATE user.b be1.example!default ']);
    expect(fake.connects).toBe(2);
  });

  it('a store opened later pushes what an earlier one left', async () => {
    env = makeEnv(BACKEND);
    const first = env.open({ publisher: null });
    first.createMailbox('user.left');
    first.close();
    const fake = new FakeMupdate();
    const store = openWithPusher(fake);
    expect(await store.mailboxListPushed(10_000)).toBe(true);
    expect(fake.log).toEqual(['ACTIVATE user.left be1.example!default ']);
  });

  it('a store closed while a push is in flight leaves the row for the next one (pushed twice), without an error', async () => {
    env = makeEnv(BACKEND);
    const fake = new FakeMupdate();
    fake.latencyMs = 50;
    const errors: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => errors.push(line) });
    const first = env.open({
      logger,
      publisher: (store, murder) => new MailboxListPusher({ outbox: store.murderOutbox, settings: murderSettings(murder.config, murder.servername), connect: fake.connect, logger }),
    });
    first.createMailbox('user.fred');
    await until(() => fake.connects === 1); // the push is under way
    first.close();
    await new Promise((r) => setTimeout(r, 100)); // past the fake's answer
    expect(errors).toEqual([]);
    const second = openWithPusher(fake);
    expect(await second.mailboxListPushed(10_000)).toBe(true);
    // The master got it from the first; the row was still there, so the second sends it again.
    expect(fake.log).toEqual(['ACTIVATE user.fred be1.example!default ', 'ACTIVATE user.fred be1.example!default ']);
  });

  it('rows a tool left while a server runs are pushed by the server without a kick', async () => {
    env = makeEnv(BACKEND);
    const fake = new FakeMupdate();
    const server = openWithPusher(fake);
    server.createMailbox('user.first');
    expect(await server.mailboxListPushed(10_000)).toBe(true);
    // A drain the create's kick queued (setImmediate) runs before this turn ends: then the pusher is idle.
    await new Promise((r) => setImmediate(r));
    const tool = env.open({ publisher: null });
    tool.createMailbox('user.fromtool');
    tool.close();
    await until(() => fake.log.length === 2);
    expect(fake.log).toEqual(['ACTIVATE user.first be1.example!default ', 'ACTIVATE user.fromtool be1.example!default ']);
  });

  it('no pusher off a Murder: mailboxListPushed is true at once', async () => {
    env = makeEnv('');
    let made = 0;
    const store = env.open({ publisher: () => { made++; throw new Error('not wanted'); } });
    store.createMailbox('user.fred');
    expect(await store.mailboxListPushed(1)).toBe(true);
    expect(made).toBe(0);
  });
});
