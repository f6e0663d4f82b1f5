import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v8PoolSize } from '../../src/common/helper-nice.js';
import { RunningMaster, tempServer, type TempServer } from './helpers.js';

// Issue 16: a service worker runs V8's helper threads (background compiler, concurrent GC) at
// helper_threads_nice (19 by default), so that they use the CPU the event loops leave idle; libuv's
// threads (file writes, scrypt) and the main thread keep their priority.

/** The nice value of thread `tid` of process `pid`. */
function niceOf(pid: number, tid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

function nices(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) out.set(tid, niceOf(pid, tid));
  return out;
}

describe('--v8-pool-size as Node was started (v8PoolSize)', () => {
  it.each([
    [[], 4],
    [['--expose-gc'], 4],
    [['--v8-pool-size=2'], 2],
    [['--v8-pool-size', '7'], 7],
    [['--v8-pool-size=3', '--v8-pool-size=6'], 6],
    [['--v8-pool-size=0'], null],
    [['--v8-pool-size=x'], null],
  ])('%j gives %j', (argv, size) => {
    expect(v8PoolSize(argv)).toBe(size);
  });
});

describe.runIf(process.platform === 'linux')('which threads are lowered (a Node process of its own)', () => {
  // The child lowers its V8 helpers, then reports each thread's CPU after scrypt work (libuv's pool)
  // and after work that keeps V8's background compiler and concurrent marking busy.
  const module = resolve(import.meta.dirname, '../../dist/src/common/helper-nice.js');
  const script = `
    const { readdirSync, readFileSync } = require('fs');
    const crypto = require('crypto');
    const cpu = () => Object.fromEntries(readdirSync('/proc/self/task').map((tid) => {
      const f = readFileSync('/proc/self/task/' + tid + '/stat', 'latin1'); const s = f.slice(f.lastIndexOf(')') + 2).split(' ');
      return [tid, { nice: Number(s[16]), cpu: Number(s[11]) + Number(s[12]) }];
    }));
    import(${JSON.stringify(module)}).then(async (m) => {
      // libuv's pool is running before the helpers are lowered, as in a worker (its modules' loading starts it)
      await new Promise((ok) => require('fs').stat('/', ok));
      const outcome = m.lowerV8Helpers(19);
      const start = cpu();
      await Promise.all(Array.from({ length: 8 }, (_, k) => new Promise((ok, no) => crypto.scrypt('pw' + k, 'salt', 64, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (e) => (e ? no(e) : ok())))));
      const afterScrypt = cpu();
      // Long-lived objects in bulk start concurrent marking; many hot functions keep TurboFan busy.
      const keep = [];
      for (let round = 0; round < 40; round++) {
        const fns = [];
        for (let k = 0; k < 200; k++) fns.push(new Function('a', 'b', 'let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * ' + k + ' + b; return s;'));
        const arr = Array.from({ length: 100 }, (_, i) => i);
        for (const f of fns) for (let n = 0; n < 2000; n++) f(arr, n);
        for (let k = 0; k < 50000; k++) keep.push({ k, round, text: 'x' + k });
        if (keep.length > 1000000) keep.splice(0, 500000);
        await new Promise((r) => setTimeout(r, 1));
      }
      const afterV8 = cpu();
      console.log(JSON.stringify({ pid: process.pid, outcome, start, afterScrypt, afterV8 }));
    });`;
  type Threads = Record<string, { nice: number; cpu: number }>;
  let report: { pid: number; outcome: { kind: string; nice?: number; tids?: number[] }; start: Threads; afterScrypt: Threads; afterV8: Threads };
  beforeAll(() => {
    report = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 })) as typeof report;
  }, 70_000);
  const grew = (from: Threads, to: Threads): string[] => Object.keys(to).filter((tid) => to[tid]!.cpu > (from[tid]?.cpu ?? 0));

  it("the delayed-task timer and the pool's 4 workers are at 19, the main thread at 0", () => {
    expect(report.outcome.kind).toBe('set');
    expect(report.outcome.tids).toHaveLength(5);
    expect(report.afterV8[String(report.pid)]!.nice).toBe(0);
    const lowered = Object.keys(report.afterV8).filter((tid) => report.afterV8[tid]!.nice === 19);
    expect(lowered.sort()).toEqual(report.outcome.tids!.map(String).sort());
  });

  it('the threads that ran scrypt (libuv) keep nice 0', () => {
    const workers = grew(report.start, report.afterScrypt).filter((tid) => tid !== String(report.pid));
    expect(workers.length).toBeGreaterThan(0);
    for (const tid of workers) expect(report.afterScrypt[tid]!.nice).toBe(0);
  });

  it("V8's background work ran on the lowered threads", () => {
    const busy = grew(report.afterScrypt, report.afterV8).filter((tid) => tid !== String(report.pid));
    expect(busy.some((tid) => report.afterV8[tid]!.nice === 19)).toBe(true);
  });
});

describe.runIf(process.platform === 'linux')('master: the workers lower their V8 helpers', () => {
  let server: TempServer;
  let master: RunningMaster;

  beforeAll(async () => {
    server = tempServer(
      'SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0" prefork=1\n  pop3 cmd="pop3d" listen="127.0.0.1:0" prefork=1\n  lmtp cmd="lmtpd" listen="127.0.0.1:0" prefork=1\n}\n',
      'pop3_helper_threads_nice: 0\nlmtp_helper_threads_nice: 7\n',
    );
    master = RunningMaster.start(server);
    await Promise.all([master.address('imap'), master.address('pop3'), master.address('lmtp')]);
  });

  afterAll(async () => {
    await master?.stop();
    server?.cleanup();
  });

  // A worker lowers its helpers before it tells the master it is ready.
  const workerOf = (service: string): Promise<number> => master.readyWorker(service);

  it('by default (19): 5 helper threads of an imapd worker at 19; its main thread and the others at 0', async () => {
    const pid = await workerOf('imap');
    const all = nices(pid);
    expect(all.get(pid)).toBe(0);
    expect([...all.values()].filter((n) => n === 19)).toHaveLength(5);
    expect([...all.values()].filter((n) => n === 0).length).toBe(all.size - 5);
  });

  it('a service-prefixed setting applies to its service only: 0 leaves them, 7 gives 7', async () => {
    expect([...nices(await workerOf('pop3')).values()].every((n) => n === 0)).toBe(true);
    const lmtp = nices(await workerOf('lmtp'));
    expect([...lmtp.values()].filter((n) => n === 7)).toHaveLength(5);
  });
});
