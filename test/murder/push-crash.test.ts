// kill -9 between the commit of a change and its push: the row is in mailboxes.db, and the next
// process (here a store of this test, with our mupdate master) takes the dead holder's lease and
// pushes it.
import { execFileSync, fork } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectMupdate, listPublisherFactory } from '../../src/murder/index.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';
import { startMupdate, type MupdateTestServer } from './harness.js';

const root = join(import.meta.dirname, '..', '..');
let master: MupdateTestServer;
let env: TestEnv;

beforeAll(async () => {
  const stale = ['store/mail-store', 'store/mailbox-list', 'store/murder-outbox', 'murder/pusher'].some((f) => {
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
  master = await startMupdate({ mode: 'master' });
  env = makeEnv([
    'servername: be1.test',
    'mupdate_server: 127.0.0.1',
    `mupdate_port: ${master.port}`,
    'mupdate_authname: admin',
    'mupdate_password: pass',
    'fsync_disabled: no',
  ].join('\n'));
}, 120_000);

afterAll(async () => {
  env?.cleanup();
  await master?.close();
});

it('a change committed by a process killed before its push reaches the master through the next process', async () => {
  const child = fork(join(import.meta.dirname, 'push-crash-worker.mjs'), [env.configFile, 'user.fred'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('committed\n')) resolve();
    });
    child.once('exit', () => reject(new Error(`worker exited early: ${out}`)));
  });
  child.kill('SIGKILL');
  await exited;

  const store = env.open({ publisher: listPublisherFactory(connectMupdate) });
  expect(store.murderOutbox.lease()?.pid).toBe(child.pid); // the dead holder's lease is still there
  expect(store.lookup('user.fred')).not.toBeNull();
  expect(await store.mailboxListPushed(10_000)).toBe(true);
  const observer = await connectMupdate({ host: master.host, port: master.port, authname: 'admin', password: 'pass' });
  try {
    expect(await observer.find('user.fred')).toEqual({ kind: 'mailbox', name: 'user.fred', location: 'be1.test!default', acl: 'fred\tlrswipkxtecdan\t' });
  } finally {
    await observer.close();
  }
}, 60_000);
