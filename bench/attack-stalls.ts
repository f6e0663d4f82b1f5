// Issue 17: the stalls one client could cause, run against the real master while other sessions
// send NOOPs. For each attack: the NOOP latency (p50, p99, max) and the server's memory (PSS of
// the master and its workers, peak while the attack ran). Goal: p99 <= 50 ms, memory bounded.
// The attackers run in this process beside the NOOP clients: a flood that keeps this process busy
// adds its own delay to the NOOP figures (read them as an upper bound).
//   npm run bench -- attack-stalls [--sessions 200] [--seconds 5] [--messages 2000]
import { createConnection, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { ImapdConfig } from '../src/config/index.js';
import { MailStore } from '../src/store/index.js';
import { BenchClient, percentile, startBenchMaster, treeMemoryKiB, type BenchMaster } from './_master.js';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '200' }, seconds: { type: 'string', default: '5' }, messages: { type: 'string', default: '2000' } } });
const SESSIONS = Number(values.sessions);
const SECONDS = Number(values.seconds);
const MESSAGES = Number(values.messages);

interface Attack {
  name: string;
  /** Runs until `stop()` returns true; reports what the attacker saw. */
  run(master: BenchMaster, stop: () => boolean): Promise<string>;
}

function raw(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Write `chunk` until the server closes or `stop()`; returns bytes written. */
async function flood(socket: Socket, chunk: Buffer, stop: () => boolean): Promise<number> {
  let closed = false;
  socket.on('error', () => undefined);
  const onClose = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void onClose.then(() => (closed = true));
  let written = 0;
  while (!closed && !stop()) {
    written += chunk.length;
    if (!socket.write(chunk)) await Promise.race([new Promise<void>((resolve) => socket.once('drain', resolve)), onClose]);
  }
  socket.destroy();
  return written;
}

async function loggedIn(port: number, user: string): Promise<BenchClient> {
  const client = await BenchClient.connect(port);
  const answer = await client.command(`LOGIN ${user} pass`);
  if (!answer.at(-1)!.includes(' OK')) throw new Error(`LOGIN ${user}: ${answer.at(-1)}`);
  return client;
}

const attacks: Attack[] = [
  {
    name: 'LIST patterns (30 x %, *a*a...*ab)',
    async run(master, stop) {
      const c = await loggedIn(master.port, 'mallory');
      await c.command(`CREATE ${'a'.repeat(30)}/b`);
      let answered = 0;
      while (!stop()) {
        await c.command(`LIST "" "${'%'.repeat(30)}"`);
        await c.command(`LIST "" "${'*a'.repeat(15)}b"`);
        answered += 2;
      }
      c.socket.destroy();
      return `${answered} LISTs answered`;
    },
  },
  {
    name: 'tiny literals before login (8 connections)',
    async run(master, stop) {
      const chunk = Buffer.from(' {1+}\r\nx'.repeat(4096));
      let cut = 0;
      let sent = 0;
      const one = async (): Promise<void> => {
        while (!stop()) {
          const socket = await raw(master.port);
          socket.write('a LOGIN mallory');
          sent += await flood(socket, chunk, stop);
          cut++;
        }
      };
      await Promise.all(Array.from({ length: 8 }, one));
      return `${cut} connections cut off, ${(sent / 1048576).toFixed(1)} MB sent`;
    },
  },
  {
    name: '64 MB LOGIN literals (32 connections, LITERAL+)',
    async run(master, stop) {
      const data = Buffer.alloc(1 << 20, 0x78);
      let sent = 0;
      let cut = 0;
      const one = async (): Promise<void> => {
        while (!stop()) {
          const socket = await raw(master.port);
          socket.write('a LOGIN mallory {67108864+}\r\n');
          sent += await flood(socket, data, stop);
          cut++;
        }
      };
      await Promise.all(Array.from({ length: 32 }, one));
      return `${cut} connections cut off, ${(sent / 1048576).toFixed(1)} MB sent`;
    },
  },
  {
    name: `SEARCH: OR trees of 1001 SUBJECT leaves (over the cap) and of the most the budget allows (${MESSAGES} messages)`,
    async run(master, stop) {
      const c = await loggedIn(master.port, 'mallory');
      await c.command('SELECT INBOX');
      const tree = (n: number): string => (n === 1 ? 'SUBJECT zzz' : `OR (${tree(Math.floor(n / 2))}) (${tree(n - Math.floor(n / 2))})`);
      const under = Math.min(1000, Math.max(1, Math.floor(2_000_000 / Math.max(1, MESSAGES)) - 1));
      const outcomes = new Map<string, number>();
      while (!stop()) {
        for (const leaves of [1001, under]) {
          const last = (await c.command(`SEARCH ${tree(leaves)}`)).at(-1)!;
          const key = `${leaves} leaves: ${last.replace(/^\S+ /, '').slice(0, 40)}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        }
      }
      c.socket.destroy();
      return [...outcomes].map(([k, n]) => `${n} x ${k}`).join('; ');
    },
  },
];

async function fillMallory(master: BenchMaster): Promise<void> {
  const store = MailStore.open({ config: ImapdConfig.load(master.imapdConf) });
  const mailbox = store.openMailbox('user.mallory');
  try {
    for (let from = 0; from < MESSAGES; from += 500) {
      const items = [];
      for (let i = from; i < Math.min(MESSAGES, from + 500); i++) items.push({ content: Buffer.from(`From: a${i}@example.org\r\nSubject: message ${i}\r\n\r\nbody ${i}\r\n`), flags: [] });
      await mailbox.append(items, { userid: 'mallory' });
    }
  } finally {
    mailbox.close();
    store.close();
  }
}

const master = await startBenchMaster({ users: ['fred', 'mallory'] });
try {
  await fillMallory(master);
  const honest = await Promise.all(Array.from({ length: SESSIONS }, () => loggedIn(master.port, 'fred')));
  console.log(`attack-stalls: ${SESSIONS} sessions sending NOOPs, ${SECONDS} s per attack`);
  for (const attack of attacks) {
    const latencies: number[] = [];
    const until = Date.now() + SECONDS * 1000;
    const stop = (): boolean => Date.now() >= until;
    const before = treeMemoryKiB(master.process.pid!).pss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, treeMemoryKiB(master.process.pid!).pss)), 250);
    const noops = honest.map(async (client) => {
      while (!stop()) {
        const t0 = performance.now();
        await client.command('NOOP');
        latencies.push(performance.now() - t0);
      }
    });
    const seen = await attack.run(master, stop).catch((err: Error) => `attack failed: ${err.message}`);
    await Promise.all(noops);
    clearInterval(sampler);
    const after = treeMemoryKiB(master.process.pid!).pss;
    latencies.sort((a, b) => a - b);
    const ms = (x: number): string => x.toFixed(1);
    console.log(`\n${attack.name}\n  attacker: ${seen}`);
    console.log(`  NOOP: ${latencies.length} answered, p50 ${ms(percentile(latencies, 50))} ms, p99 ${ms(percentile(latencies, 99))} ms, max ${ms(latencies.at(-1) ?? 0)} ms`);
    console.log(`  server PSS: before ${(before / 1024).toFixed(0)} MiB, peak ${(peak / 1024).toFixed(0)} MiB, after ${(after / 1024).toFixed(0)} MiB`);
  }
  for (const client of honest) client.socket.destroy();
} finally {
  await master.stop();
}
