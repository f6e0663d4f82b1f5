// A whole Murder backend as the master runs it (bin/cyrusts.js, two imapd worker processes): its
// START section's `ctl_mboxlist -m` tells our mupdate master about a mailbox made before it
// started, and a CREATE answered by any worker is on the master when its OK comes.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { connectMupdate, type MupdateConnection } from '../../src/murder/index.js';
import { MailStore } from '../../src/store/index.js';
import { addUsers, LineClient, RunningMaster, tempServer, type TempServer } from '../master/helpers.js';
import { startMupdate, type MupdateTestServer } from './harness.js';

const root = join(import.meta.dirname, '..', '..');
let mupdate: MupdateTestServer;
let server: TempServer;
let master: RunningMaster;
let observer: MupdateConnection;

beforeAll(async () => {
  const stale = ['store/mail-store', 'store/mailbox-list', 'store/murder-outbox', 'murder/pusher', 'tools/mupdate-sync'].some((f) => {
    const built = join(root, 'dist', 'src', `${f}.js`);
    return !existsSync(built) || statSync(built).mtimeMs < statSync(join(root, 'src', `${f}.ts`)).mtimeMs;
  });
  if (stale) {
    try {
      execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'pipe' });
    } catch {
      // type errors elsewhere do not stop tsc from emitting
    }
  }
  mupdate = await startMupdate({ mode: 'master' });
  server = tempServer(
    'START {\n  mupdatepush cmd="ctl_mboxlist -m"\n}\nSERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0" prefork=2\n}\n',
    [
      'servername: be1.test',
      'proxyservers: proxy',
      'allowplaintext: yes',
      'admins: admin',
      'fsync_disabled: yes',
      'mupdate_server: 127.0.0.1',
      `mupdate_port: ${mupdate.port}`,
      'mupdate_authname: admin',
      'mupdate_password: pass',
      '',
    ].join('\n'),
  );
  addUsers(server, ['admin']);
  // A mailbox made while the server was down, outside any pusher (its row waits in the outbox).
  const store = MailStore.open({ config: ImapdConfig.load(server.imapdConf), publisher: null });
  store.createMailbox('user.before', { acl: 'before\tlrs\t' });
  store.close();
  observer = await connectMupdate({ host: mupdate.host, port: mupdate.port, authname: 'admin', password: 'pass' });
  master = RunningMaster.start(server);
}, 120_000);

afterAll(async () => {
  await observer?.close();
  await master?.stop();
  server?.cleanup();
  await mupdate?.close();
});

it('START syncs the master; a CREATE on any worker is on the master before its OK', async () => {
  const address = await master.address('imap');
  await master.waitFor('imap workers', () => master.workersReady('imap'));
  // START ran to completion before the services listened.
  const start = master.logs.find((l) => l.msg === 'command finished' && l.section === 'START');
  expect(start).toBeDefined();
  expect(await observer.find('user.before')).toEqual({ kind: 'mailbox', name: 'user.before', location: 'be1.test!default', acl: 'before\tlrs\t' });
  for (let i = 0; i < 4; i++) {
    const c = await LineClient.connect(address);
    await c.line(/^\* OK/);
    c.send('l LOGIN admin pass\r\n');
    await c.line(/^l OK/);
    c.send(`c CREATE user/w${i}\r\n`);
    await c.line(/^c OK/);
    expect(await observer.find(`user.w${i}`)).toMatchObject({ kind: 'mailbox', location: 'be1.test!default' });
    c.close();
  }
}, 60_000);
