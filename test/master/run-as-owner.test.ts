import { spawnSync } from 'node:child_process';
import { chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, isAlive, LineClient, RunningMaster, tempServer, type TempServer } from './helpers.js';

// Issue 17: started as root, the server wrote root-owned databases into a tree the cyrus user owns.
// Now the master binds its listeners, then runs as the owner of configdirectory (or cyrus_user), and
// refuses to start over files another user owns. Needs root to test; CI runs as root.
const NOBODY = 65534;
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid);
}

/** Every path under `path` whose owner is not `uid`. */
function notOwnedBy(path: string, uid: number): string[] {
  const stat = lstatSync(path);
  const wrong = stat.uid === uid ? [] : [`${path} (uid ${stat.uid})`];
  if (!stat.isDirectory()) return wrong;
  return [...wrong, ...readdirSync(path).flatMap((name) => notOwnedBy(join(path, name), uid))];
}

function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'))!;
  return Number(line.split(/\s+/)[1]);
}

describe.skipIf(!asRoot)('master started as root', () => {
  let server: TempServer;
  let master: RunningMaster;
  // A port under 1024, which only root may bind: proof that the listeners are bound before the switch.
  const lowPort = 600 + Math.floor(Math.random() * 400);

  beforeAll(async () => {
    server = tempServer(
      `SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0" prefork=1\n  low cmd="imapd" listen="127.0.0.1:${lowPort}" prefork=1 optional=yes\n}\n`,
      'allowplaintext: yes\nautocreate_quota: 0\n',
    );
    mkdirSync(join(server.dir, 'conf'));
    mkdirSync(join(server.dir, 'spool'));
    chownTree(server.dir, NOBODY, NOBODY);
    const result = spawnSync(process.execPath, [CLI, 'saslpasswd', '-C', server.imapdConf, '-p', '-c', 'fred'], { input: 'pass\n', encoding: 'utf8', uid: NOBODY, gid: NOBODY });
    if (result.status !== 0) throw new Error(result.stderr);
    master = RunningMaster.start(server);
    await master.address('imap');
  });

  afterAll(async () => {
    await master?.stop();
    server?.cleanup();
  });

  it('runs master and workers as the owner of configdirectory, and every file it writes is that user\'s', async () => {
    const client = await LineClient.connect(await master.address('imap'));
    await client.line(/^\* OK/);
    client.send('a LOGIN fred pass\r\nb SELECT INBOX\r\nc APPEND INBOX {12}\r\n');
    await client.line(/^\+ /);
    client.send('Subject: x\r\n\r\nd LOGOUT\r\n');
    expect(await client.line(/^c /)).toMatch(/^c OK/);
    await client.closed;
    expect(uidOf(master.proc.pid!)).toBe(NOBODY);
    const workers = await master.waitFor('the worker', () => master.workerPids('imap').at(-1));
    expect(uidOf(workers)).toBe(NOBODY);
    expect(notOwnedBy(server.dir, NOBODY)).toEqual([]);
    expect(master.logs.some((l) => l.msg === 'listeners bound; running as the owner of the configuration' && l.uid === NOBODY)).toBe(true);
    // The low port was bound as root before the switch (unless something else holds it).
    if (!master.logs.some((l) => l.service === 'low' && l.msg === 'cannot serve: entry skipped')) {
      const low = await LineClient.connect(await master.address('low'));
      expect(await low.line(/^\* OK/)).toMatch(/^\* OK/);
      low.close();
    }
  });

  it('refuses to start over a file in configdirectory that another user owns', async () => {
    expect(await master.stop()).toBe(0);
    writeFileSync(join(server.dir, 'conf', 'stray.db'), '');
    const again = RunningMaster.start(server);
    expect(await again.exited).toBe(78);
    expect(again.logs.map((l) => String(l.err ?? l.msg)).join('\n')).toMatch(/stray\.db \(uid 0\)/);
  });

  it('started in the background, gives the log it opens for the master to that user too', async () => {
    await master.stop();
    rmSync(join(server.dir, 'conf', 'stray.db'), { force: true });
    rmSync(join(server.dir, 'conf', 'log'), { recursive: true, force: true });
    const started = spawnSync(process.execPath, [CLI, 'master', '-C', server.imapdConf, '-M', server.cyrusConf], { encoding: 'utf8', timeout: 60_000 });
    expect(started.status, started.stderr).toBe(0);
    const pid = Number(/pid (\d+)/.exec(started.stdout)?.[1]);
    try {
      expect(uidOf(pid)).toBe(NOBODY);
      expect(notOwnedBy(join(server.dir, 'conf'), NOBODY)).toEqual([]);
    } finally {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
});
