import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, LineClient, RunningMaster, tempServer, type TempServer } from './helpers.js';

// Issue 17: a connection the master handed over in the instant its worker died hung with no greeting
// and no close. Now the master keeps its copy until the worker says it took the socket, and gives
// the ones the dead worker never took to another (or the restarted) worker.
describe('master: a worker dying while connections arrive', () => {
  let server: TempServer;
  let master: RunningMaster;
  let address: string;

  beforeAll(async () => {
    server = tempServer('SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0" prefork=1 maxchild=-1\n}\n');
    master = RunningMaster.start(server);
    address = await master.address('imap');
  });

  afterAll(async () => {
    await master?.stop();
    server?.cleanup();
  });

  /** What became of one connection: greeted, closed, or neither within a bound far past any restart. */
  async function outcome(): Promise<'greeted' | 'closed' | 'hung'> {
    let client: LineClient;
    try {
      client = await LineClient.connect(address);
    } catch {
      return 'closed';
    }
    const result = await Promise.race([
      client.line(/^\* (OK|BYE)/, 45_000).then(() => 'greeted' as const, (err: Error) => (/^closed before/.test(err.message) ? 'closed' as const : 'hung' as const)),
      client.closed.then(() => 'closed' as const),
    ]);
    client.close();
    return result;
  }

  it('every connection gets a greeting or a close, never silence', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < 4; round++) {
      // A greeting from the current worker first, so the kill below lands on a serving worker.
      const probe = await LineClient.connect(address);
      await probe.line(/^\* OK/, 30_000);
      probe.close();
      const pids = master.workerPids('imap').filter(isAlive);
      expect(pids.length).toBe(1);
      const burst = Array.from({ length: 40 }, () => outcome());
      await new Promise((resolve) => setTimeout(resolve, round * 2));
      process.kill(pids[0]!, 'SIGKILL');
      outcomes.push(...(await Promise.all(burst)));
      await master.waitFor('a new worker', () => master.workerPids('imap').at(-1) !== pids[0]);
    }
    expect(outcomes.filter((o) => o === 'hung')).toEqual([]);
    // Connections the dead worker never took were handed to its successor and greeted there.
    expect(outcomes.filter((o) => o === 'greeted').length).toBeGreaterThan(0);
  }, 240_000);
});
