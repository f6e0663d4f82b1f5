// mupdate run by the master as cyrus.conf services: `mupdate -m` as one worker process whatever
// prefork says, and a frontend's `mupdate` slave (another master) mirroring it.
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMupdate, type MupdateEvent } from '../../src/murder/index.js';
import { addUsers, RunningMaster, tempServer, type TempServer } from '../master/helpers.js';

let masterServer: TempServer;
let master: RunningMaster;
let masterPort: number;
let frontServer: TempServer;
let front: RunningMaster;
let frontPort: number;

function portOf(address: string): number {
  return Number(/:(\d+)$/.exec(address)![1]);
}

beforeAll(async () => {
  masterServer = tempServer('SERVICES {\n  mupdate cmd="mupdate -m" listen="127.0.0.1:0" prefork=3\n}\n', 'admins: admin\nallowplaintext: yes\nfsync_disabled: yes\nauth_failure_delay: 0\n');
  addUsers(masterServer, ['admin']);
  master = RunningMaster.start(masterServer);
  masterPort = portOf(await master.address('mupdate'));
  await master.waitFor('mupdate workers ready', () => master.workersReady('mupdate'));
  frontServer = tempServer(
    'SERVICES {\n  mupdate cmd="mupdate" listen="127.0.0.1:0" prefork=1\n}\n',
    `admins: admin\nallowplaintext: yes\nfsync_disabled: yes\nauth_failure_delay: 0\nmupdate_server: 127.0.0.1\nmupdate_port: ${masterPort}\nmupdate_authname: admin\nmupdate_password: pass\nmupdate_retry_delay: 1s\n`,
  );
  addUsers(frontServer, ['admin']);
  front = RunningMaster.start(frontServer);
  frontPort = portOf(await front.address('mupdate'));
  await front.waitFor('front mupdate workers ready', () => front.workersReady('mupdate'));
}, 60_000);

afterAll(async () => {
  await front?.stop();
  await master?.stop();
  frontServer?.cleanup();
  masterServer?.cleanup();
});

describe('mupdate under the master', () => {
  it('runs the master mupdate as one worker, saying prefork was ignored', async () => {
    await master.log('this program runs as one worker process: prefork ignored', (l) => l.service === 'mupdate' && l.prefork === 3);
    expect(master.workerPids('mupdate')).toHaveLength(1);
  });

  it('streams every change to every client of the master and to the frontend slave', async () => {
    await front.log('mupdate slave: mirror in step with the master');
    const clients = await Promise.all([masterPort, masterPort, frontPort].map((port) => connectMupdate({ host: '127.0.0.1', port, authname: 'admin', password: 'pass' })));
    const [writer, onMaster, onFront] = clients as [typeof clients[0], typeof clients[0], typeof clients[0]];
    const heard = (conn: typeof writer) => {
      const events: MupdateEvent[] = [];
      let wake: (() => void) | null = null;
      const started = conn.update((e) => {
        events.push(e);
        wake?.();
      });
      return {
        started,
        async until(p: (e: MupdateEvent) => boolean) {
          while (!events.some(p)) await new Promise<void>((resolve) => (wake = resolve));
        },
      };
    };
    const a = heard(onMaster);
    const b = heard(onFront);
    await Promise.all([a.started, b.started]);
    await writer.activate('user.svc', '127.0.0.2!default', 'svc\tlrswipkxtecda\t');
    await Promise.all([a.until((e) => e.name === 'user.svc'), b.until((e) => e.name === 'user.svc' && e.kind === 'mailbox')]);
    await writer.delete('user.svc');
    await Promise.all([a.until((e) => e.kind === 'delete'), b.until((e) => e.kind === 'delete')]);
    for (const c of clients) await c.close();
  });

  it('on reload stops the old worker at once (its streams end) instead of letting it drain beside the new one', async () => {
    const stream = await connectMupdate({ host: '127.0.0.1', port: masterPort, authname: 'admin', password: 'pass' });
    const ended = new Promise<Error | null>((resolve) => stream.onClose(resolve));
    await stream.update(() => undefined);
    const before = master.logs.filter((l) => l.msg === 'configuration reloaded').length;
    appendFileSync(masterServer.imapdConf, 'mupdate_connections_max: 100\n');
    master.proc.kill('SIGHUP');
    await master.waitFor('reload', () => master.logs.filter((l) => l.msg === 'configuration reloaded').length > before);
    expect(await ended).toMatchObject({ reason: 'connection', message: 'mupdate server said BYE: Server shutting down' });
    const again = await connectMupdate({ host: '127.0.0.1', port: masterPort, authname: 'admin', password: 'pass' });
    await again.activate('user.reloaded', '127.0.0.2!default', '');
    expect(await again.find('user.reloaded')).toMatchObject({ kind: 'mailbox', name: 'user.reloaded' });
    await again.delete('user.reloaded');
    await again.close();
  });
});
