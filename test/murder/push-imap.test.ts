// A Murder backend's IMAP server and our mupdate master: CREATE, RENAME, SETACL, DELETEACL and
// DELETE answer OK only once the master has the change (a frontend relaying the command sees it
// in the Murder at once); with the master down the command still answers OK, after a bounded wait.
// The pusher's ACTIVATE/DELETE are held back 100 ms on their way, so an OK that did not wait
// would come before the master knows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMupdate, listPublisherFactory, MupdateError, type MupdateConnection } from '../../src/murder/index.js';
import { MailStore } from '../../src/store/index.js';
import { RawClient, startTestServer, type TestServer } from '../imap/harness.js';
import { startMupdate, type MupdateTestServer } from './harness.js';

const HOLD_MS = 100;
let master: MupdateTestServer;
let backend: TestServer;
let observer: MupdateConnection;
let blocked = false;
const clients: RawClient[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  master = await startMupdate({ mode: 'master' });
  MailStore.installPublisher(listPublisherFactory(async (options) => {
    if (blocked) throw new Error('connect ECONNREFUSED (test)');
    const conn = await connectMupdate(options);
    return {
      ...conn,
      find: conn.find.bind(conn), list: conn.list.bind(conn), reserve: conn.reserve.bind(conn), noop: conn.noop.bind(conn),
      update: conn.update.bind(conn), onClose: conn.onClose.bind(conn), close: conn.close.bind(conn),
      activate: async (name, location, acl) => {
        await sleep(HOLD_MS);
        if (blocked) throw new MupdateError('connection', 'connection reset (test)');
        return conn.activate(name, location, acl);
      },
      delete: async (name) => {
        await sleep(HOLD_MS);
        return conn.delete(name);
      },
    };
  }));
  backend = await startTestServer({
    users: ['fred', 'admin'],
    conf: [
      'servername: be1.test',
      'proxyservers: proxy',
      'mupdate_server: 127.0.0.1',
      `mupdate_port: ${master.port}`,
      'mupdate_authname: admin',
      'mupdate_password: pass',
      'delete_mode: immediate',
      'mupdate_retry_delay: 1',
    ],
  });
  observer = await connectMupdate({ host: master.host, port: master.port, authname: 'admin', password: 'pass' });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await observer?.close();
  await backend?.close();
  await master?.close();
  MailStore.installPublisher(null);
});

async function login(user: string): Promise<RawClient> {
  const c = await RawClient.connect(backend.port);
  clients.push(c);
  expect((await c.command('l', `LOGIN "${user}" pass`)).at(-1)).toMatch(/^l OK/);
  return c;
}

describe('IMAP on a Murder backend', () => {
  it('CREATE, SETACL, DELETEACL, RENAME, DELETE: the master has each change when the OK comes', async () => {
    const fred = await login('fred');
    expect((await fred.command('c2', 'CREATE Drafts')).at(-1)).toMatch(/^c2 OK/);
    // The INBOX the login made, pushed before the CREATE's OK too.
    expect(await observer.find('user.fred')).toMatchObject({ kind: 'mailbox', location: 'be1.test!default' });
    const drafts = await observer.find('user.fred.Drafts');
    expect(drafts).toMatchObject({ kind: 'mailbox', location: 'be1.test!default' });
    expect((await fred.command('a1', 'SETACL Drafts joe lr')).at(-1)).toMatch(/^a1 OK/);
    expect((await observer.find('user.fred.Drafts'))).toMatchObject({ acl: expect.stringContaining('joe\tlr\t') });
    expect((await fred.command('a2', 'DELETEACL Drafts joe')).at(-1)).toMatch(/^a2 OK/);
    expect((await observer.find('user.fred.Drafts'))).toMatchObject({ acl: expect.not.stringContaining('joe') });
    expect((await fred.command('r1', 'RENAME Drafts Old')).at(-1)).toMatch(/^r1 OK/);
    expect(await observer.find('user.fred.Drafts')).toBeNull();
    expect(await observer.find('user.fred.Old')).toMatchObject({ kind: 'mailbox', location: 'be1.test!default' });
    expect((await fred.command('d1', 'DELETE Old')).at(-1)).toMatch(/^d1 OK/);
    expect(await observer.find('user.fred.Old')).toBeNull();
    expect(await observer.list('be1.test')).toEqual([expect.objectContaining({ name: 'user.fred' })]);
  });

  it('with the master unreachable, CREATE still answers OK after a bounded wait; the change follows later', async () => {
    const admin = await login('admin');
    blocked = true; // connections fail, the kept one too
    const started = Date.now();
    admin.write('c3 CREATE user/wilma\r\n');
    expect((await admin.readUntil((line) => line.startsWith('c3 '), 20_000)).at(-1)).toMatch(/^c3 OK/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900); // it did wait (5 s)
    expect(await observer.find('user.wilma')).toBeNull();
    expect(backend.imap.deps.store.murderOutbox.pending()).toEqual([
      { seq: expect.any(Number), action: 'activate', name: 'user.wilma', location: 'be1.test!default', acl: expect.any(String) },
    ]);
    blocked = false;
    for (let i = 0; i < 300 && (await observer.find('user.wilma')) === null; i++) await sleep(100);
    expect(await observer.find('user.wilma')).toMatchObject({ location: 'be1.test!default' });
    expect(backend.imap.deps.store.murderOutbox.pending()).toEqual([]);
  }, 60_000);
});
