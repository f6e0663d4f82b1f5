// A Murder backend's autocreate at login asks the mupdate master first: a user whose INBOX the
// master places on another backend (a proxied login reading a folder of this one) gets no second
// INBOX here, and the master's entry stays where it was; a user the master does not know gets one,
// and the master hears of it. A backend whose master cannot be asked makes none.
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { connectMupdate, type MupdateConnection } from '../../src/murder/index.js';
import { MailStore } from '../../src/store/index.js';
import { addUsers, LineClient, RunningMaster, tempServer, type TempServer } from '../master/helpers.js';
import { startMupdate, type MupdateTestServer } from './harness.js';

let mupdate: MupdateTestServer;
let observer: MupdateConnection;
const servers: TempServer[] = [];
const masters: RunningMaster[] = [];

function backend(mupdatePort: number): TempServer {
  const server = tempServer('SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0" prefork=1\n}\n', [
    'servername: be1.test',
    'proxyservers: proxy',
    'allowplaintext: yes',
    'admins: admin',
    'fsync_disabled: yes',
    'auth_failure_delay: 0',
    'autocreate_quota: 0',
    'mupdate_server: 127.0.0.1',
    `mupdate_port: ${mupdatePort}`,
    'mupdate_authname: admin',
    'mupdate_password: pass',
    '',
  ].join('\n'));
  addUsers(server, ['fred', 'joe']);
  servers.push(server);
  return server;
}

async function login(master: RunningMaster, user: string): Promise<void> {
  const c = await LineClient.connect(await master.address('imap'));
  await c.line(/^\* OK/);
  c.send(`l LOGIN ${user} pass\r\n`);
  await c.line(/^l OK/);
  c.send('o LOGOUT\r\n');
  await c.line(/^o OK/);
  c.close();
}

function localEntry(server: TempServer, name: string): boolean {
  const store = MailStore.open({ config: ImapdConfig.load(server.imapdConf), publisher: null });
  try {
    return store.lookup(name) !== null;
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  mupdate = await startMupdate({ mode: 'master' });
  observer = await connectMupdate({ host: mupdate.host, port: mupdate.port, authname: 'admin', password: 'pass' });
  // fred's INBOX lives on another backend.
  await observer.activate('user.fred', 'be2.test!default', 'fred\tlrswipkxtecdan\t');
}, 60_000);

afterAll(async () => {
  for (const m of masters) await m.stop();
  for (const s of servers) s.cleanup();
  await observer?.close();
  await mupdate?.close();
});

it('makes no INBOX for a user the master places on another backend, and one for a user it does not know', async () => {
  const server = backend(mupdate.port);
  const master = RunningMaster.start(server);
  masters.push(master);
  await login(master, 'fred');
  expect(localEntry(server, 'user.fred')).toBe(false);
  expect(await observer.find('user.fred')).toMatchObject({ location: 'be2.test!default' });
  await login(master, 'joe');
  expect(localEntry(server, 'user.joe')).toBe(true);
  // The backend's pusher tells the master soon after.
  const deadline = Date.now() + 10_000;
  while ((await observer.find('user.joe')) === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(await observer.find('user.joe')).toMatchObject({ location: 'be1.test!default' });
}, 60_000);

it('makes no INBOX while the master cannot be asked', async () => {
  // A port nothing listens on: the master is down.
  const closed = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
  const server = backend(closed);
  const master = RunningMaster.start(server);
  masters.push(master);
  await login(master, 'joe');
  expect(localEntry(server, 'user.joe')).toBe(false);
}, 60_000);
