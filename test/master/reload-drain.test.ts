import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, isAlive, LineClient, RunningMaster, tempServer, type TempServer } from './helpers.js';

// Issue 17: SIGHUP with any imapd.conf change cut every session (* BYE after master_shutdown_timeout).
// As in Cyrus, connected clients now run until they log out; new sessions get the new configuration.
describe('master: SIGHUP after an imapd.conf change', () => {
  let server: TempServer;
  let master: RunningMaster;

  beforeAll(async () => {
    server = tempServer('SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0" prefork=1\n}\n', 'allowplaintext: yes\nautocreate_quota: 0\nmaster_shutdown_timeout: 1s\n');
    const result = spawnSync(process.execPath, [CLI, 'saslpasswd', '-C', server.imapdConf, '-p', '-c', 'fred'], { input: 'pass\n', encoding: 'utf8' });
    if (result.status !== 0) throw new Error(result.stderr);
    master = RunningMaster.start(server);
    await master.address('imap');
  });

  afterAll(async () => {
    await master?.stop();
    server?.cleanup();
  });

  async function loggedIn(): Promise<LineClient> {
    const client = await LineClient.connect(await master.address('imap'));
    await client.line(/^\* OK/);
    client.send('a LOGIN fred pass\r\nb SELECT INBOX\r\n');
    expect(await client.line(/^b /)).toMatch(/^b OK/);
    return client;
  }

  async function reload(servername: string): Promise<void> {
    const before = master.logs.filter((l) => l.msg === 'configuration reloaded').length;
    appendFileSync(server.imapdConf, `servername: ${servername}\n`);
    master.proc.kill('SIGHUP');
    await master.waitFor('the reload', () => master.logs.filter((l) => l.msg === 'configuration reloaded').length > before);
  }

  it('lets a connected session run past the shutdown timeout until it logs out; new sessions get the new settings', async () => {
    const client = await loggedIn();
    const oldWorker = await master.waitFor('the worker', () => master.workerPids('imap').at(-1));
    await reload('changed.example');
    // Well past master_shutdown_timeout (1 s), which used to end the old worker's sessions.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    client.send('c NOOP\r\n');
    expect(await client.line(/^c /)).toBe('c OK NOOP completed');
    expect(client.received.some((l) => l.startsWith('* BYE'))).toBe(false);
    expect(isAlive(oldWorker)).toBe(true);
    const fresh = await LineClient.connect(await master.address('imap'));
    expect(await fresh.line(/^\* OK/)).toContain('changed.example');
    fresh.close();
    // The old worker goes once its last session has ended.
    client.send('z LOGOUT\r\n');
    await client.closed;
    await master.waitFor('the old worker to exit', () => !isAlive(oldWorker));
  });

  it('still ends a draining session at the shutdown deadline when the master stops', async () => {
    const client = await loggedIn();
    const worker = await master.waitFor('the worker', () => master.workerPids('imap').at(-1));
    await reload('again.example');
    expect(await master.stop()).toBe(0);
    await client.closed;
    expect(isAlive(worker)).toBe(false);
  });
});
