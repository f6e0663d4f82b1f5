// Figure (issue 16): CPU an imapd worker pays for a change none of its sessions watches. The shipped
// configuration (an imap and an imaps worker per core), SESSIONS clients logged in with their INBOX
// selected (spread over the workers), then a publisher on the change channel (the build's own
// NotifyClient, as a worker or a tool publishes) publishes COUNT changes of a mailbox no session
// selects, one every INTERVAL ms. Per change: the CPU each imapd worker used meanwhile (all threads
// from /proc/PID/stat, and its main thread in ns from /proc/PID/task/PID/schedstat), less what it
// used in a quiet period of the same length just before.
// `npm run bench -- notify-idle-cpu [--count=3000] [--interval=1] [--sessions=20] [--cli=OTHER/dist/bin/cyrusts.js]`
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ImapdConfig } from '../src/config/index.js';
import { BenchClient } from './_master.js';
import { CLI as OWN_CLI, startShipped } from './_shipped.js';

const args = new Map(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  return m ? [m[1]!, m[2]!] as const : [a, ''] as const;
}));
const COUNT = Number(args.get('count') ?? 3000);
const INTERVAL = Number(args.get('interval') ?? 1);
const SESSIONS = Number(args.get('sessions') ?? 20);
const CLI = args.get('cli') ?? OWN_CLI;

interface Cpu {
  /** user + system, all threads (ms; 10 ms ticks). */
  allMs: number;
  /** Main thread on CPU (ns). */
  mainNs: number;
}

function cpuOf(pid: number): Cpu {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const mainNs = Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]);
  return { allMs: (Number(f[11]) + Number(f[12])) * 10, mainNs };
}

function cpuOfAll(pids: readonly number[]): Cpu[] {
  return pids.map(cpuOf);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const users = Array.from({ length: SESSIONS }, (_, i) => `user${i + 1}`);
  const server = await startShipped({ users, password: 'pass', cli: CLI });
  try {
    const clients: BenchClient[] = [];
    for (const user of users) {
      const c = await BenchClient.connect(server.port('imap'));
      await c.command(`LOGIN ${user} pass`);
      await c.command('SELECT INBOX');
      clients.push(c);
    }
    const master = server.master.pid!;
    const workers = execFileSync('pgrep', ['-P', String(master), '-f', 'service imaps? ']).toString().trim().split('\n').map(Number);
    // The publisher: the measured build's own channel client (a v1 one against the baseline).
    const notifyJs = join(dirname(CLI), '..', 'src', 'master', 'notify.js');
    const { NotifyClient } = (await import(pathToFileURL(notifyJs).href)) as typeof import('../src/master/notify.js');
    const socket = ImapdConfig.load(server.imapdConf).path('idlesocket')!;
    const publisher = NotifyClient.connect(socket);
    publisher.mute();
    // Introduced to the workers, connected to their sockets, told what they want.
    for (let i = 0; i < 200 && publisher.directPeers < workers.length; i++) await sleep(10);
    await sleep(500);
    const publishFor = async (publish: boolean): Promise<number> => {
      const t0 = performance.now();
      for (let i = 0; i < COUNT; i++) {
        if (publish) publisher.publish('user.nobody');
        await sleep(INTERVAL);
      }
      return performance.now() - t0;
    };
    const q0 = cpuOfAll(workers);
    const quietMs = await publishFor(false);
    const q1 = cpuOfAll(workers);
    const p0 = cpuOfAll(workers);
    const busyMs = await publishFor(true);
    await sleep(200);
    const p1 = cpuOfAll(workers);
    const scale = busyMs / quietMs;
    console.log(`notify-idle-cpu: ${CLI === OWN_CLI ? 'this build' : CLI}, ${workers.length} imapd workers, ${SESSIONS} sessions (INBOX selected), ${COUNT} changes of an unwatched mailbox every ${INTERVAL} ms (${busyMs.toFixed(0)} ms)`);
    let sumAll = 0;
    let sumMain = 0;
    workers.forEach((pid, i) => {
      const all = (p1[i]!.allMs - p0[i]!.allMs - (q1[i]!.allMs - q0[i]!.allMs) * scale) / COUNT;
      const main = (p1[i]!.mainNs - p0[i]!.mainNs - (q1[i]!.mainNs - q0[i]!.mainNs) * scale) / COUNT / 1000;
      sumAll += all;
      sumMain += main;
      console.log(`  worker ${pid}: per change ${(all * 1000).toFixed(1).padStart(7)} us all threads, ${main.toFixed(1).padStart(7)} us main thread`);
    });
    console.log(`  mean per worker per change: ${((sumAll / workers.length) * 1000).toFixed(1)} us all threads, ${(sumMain / workers.length).toFixed(1)} us main thread; publisher wrote ${publisher.changeWrites} times`);
    await publisher.close();
    for (const c of clients) c.socket.destroy();
  } finally {
    await server.stop();
  }
}

await main();
