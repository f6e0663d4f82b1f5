import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, LineClient, RunningMaster, tempServer, type TempServer } from './helpers.js';

// Issue 16 (IDLE push): each worker listens on a socket of its own beside the master's hub, and a
// change reaches the other workers straight through it. An IDLE session served by another worker
// than the APPEND's must still hear of it at once (the 5 s safety poll is far longer than the wait here).

describe('IDLE across workers', () => {
  let server: TempServer;
  let master: RunningMaster;

  beforeAll(async () => {
    server = tempServer(`SERVICES {
  imap      cmd="imapd" listen="127.0.0.1:0" prefork=2
}
`, 'allowplaintext: yes\n');
    const result = spawnSync(process.execPath, [CLI, 'saslpasswd', '-C', server.imapdConf, '-p', '-c', 'fred'], { input: 'pass\n', encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`saslpasswd failed: ${result.stderr}`);
    master = RunningMaster.start(server);
    await master.address('imap');
  });

  afterAll(async () => {
    await master?.stop();
    server?.cleanup();
  });

  it('pushes an APPEND to IDLE sessions of both workers, and each worker listens on its own socket', async () => {
    const address = await master.address('imap');
    // Connections go to the least-loaded worker: two held open land on the two workers.
    const setup = await LineClient.connect(address);
    setup.send('l LOGIN fred pass\r\nc CREATE INBOX\r\n');
    await setup.line(/^c OK/);
    setup.close();
    const idlers: LineClient[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await LineClient.connect(address);
      c.send(`l LOGIN fred pass\r\ns SELECT INBOX\r\n`);
      await c.line(/^s OK/);
      c.send('i IDLE\r\n');
      await c.line(/^\+ /);
      idlers.push(c);
    }
    const socketDir = join(server.dir, 'conf', 'socket');
    // Two workers, each listening beside the hub (idle.<pid>.<n>).
    await until(() => readdirSync(socketDir).filter((n) => /^idle\.\d+\.\d+$/.test(n)).length === 2);
    // The workers reach each other once the hub has introduced them: wait a moment for that.
    await new Promise((r) => setTimeout(r, 300));
    const writer = await LineClient.connect(address);
    const body = 'Subject: across workers\r\n\r\nbody\r\n';
    writer.send(`l LOGIN fred pass\r\na APPEND INBOX {${body.length}+}\r\n${body}\r\n`);
    await writer.line(/^a OK/);
    for (const c of idlers) expect(await c.line(/^\* 1 EXISTS$/, 3000)).toBe('* 1 EXISTS');
    // Exactly once per session: a second EXISTS would have come with the same push.
    await new Promise((r) => setTimeout(r, 200));
    for (const c of idlers) expect(c.received.filter((l) => l === '* 1 EXISTS')).toHaveLength(1);
    for (const c of [...idlers, writer]) c.close();
  }, 60_000);
});

function until(test: () => boolean, ms = 10_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolvePromise, reject) => {
    const tick = () => (test() ? resolvePromise() : Date.now() - start > ms ? reject(new Error('timed out')) : setTimeout(tick, 20));
    tick();
  });
}
