import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, LineClient, RunningMaster, tempServer, type TempServer } from './helpers.js';

// Issue 16 "use the machine": a service that names no prefork runs one worker per core, and the
// master spreads connections over them.
describe('master: workers per core, connections spread', () => {
  let server: TempServer;
  let master: RunningMaster;

  beforeAll(async () => {
    server = tempServer('SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0"\n}\n');
    master = RunningMaster.start(server);
    await master.address('imap');
  });

  afterAll(async () => {
    await master?.stop();
    server?.cleanup();
  });

  it('starts one worker per core and gives each a share of the connections', async () => {
    const cores = availableParallelism();
    const address = await master.address('imap');
    // Workers start side by side; until one is ready the others take its share. Wait until every
    // worker has served a connection (a master that sends all to one never gets there).
    await master.waitFor('workers started', () => master.workerPids('imap').length >= cores);
    const warmup: LineClient[] = [];
    for (let i = 0; i < 200; i++) {
      const served = new Set(master.logs.filter((l) => l.msg === 'connection opened').map((l) => l.pid));
      if (master.workerPids('imap').every((pid) => served.has(pid))) break;
      const client = await LineClient.connect(address);
      await client.line(/^\* OK/);
      warmup.push(client);
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const client of warmup) client.close();
    const before = master.logs.filter((l) => l.msg === 'connection opened').length;
    const clients: LineClient[] = [];
    for (let i = 0; i < 8 * cores; i++) {
      const client = await LineClient.connect(address);
      await client.line(/^\* OK/);
      clients.push(client);
    }
    const workers = master.workerPids('imap').filter(isAlive);
    expect(workers.length).toBe(cores);
    const opened = await master.waitFor('every connection logged', () => {
      const lines = master.logs.filter((l) => l.msg === 'connection opened').slice(before).filter((l) => workers.includes(l.pid as number));
      return lines.length >= clients.length ? lines : undefined;
    });
    const perWorker = workers.map((pid) => opened.filter((l) => l.pid === pid).length);
    // Each worker holds its share, give or take the connections still on their way to one.
    for (const count of perWorker) expect(count).toBeGreaterThanOrEqual(4);
    for (const client of clients) client.close();
  });
});
