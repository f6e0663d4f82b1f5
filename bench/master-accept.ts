// The master's accept-and-hand-over path with the shipped cyrus.conf and imapd.conf (one worker per
// core, maxchild 10000, the per-address pre-login limit): connections per second accepted by the
// master, handed to a worker and greeted (connect → "* OK" → close), with the latency of each, then
// the time to bring up H silent connections and the server's memory per connection before login.
// Clients connect from several 127.x addresses so the per-address limit (500) is not what is measured.
// Usage: node dist/bench/master-accept.js [connections=5000] [concurrency=64] [hold=2000]
import { createConnection, type Socket } from 'node:net';
import { startShipped } from './_shipped.js';
import { treeMemoryKiB } from './_master.js';

const total = Number(process.argv[2] ?? 5000);
const concurrency = Number(process.argv[3] ?? 64);
const hold = Number(process.argv[4] ?? 2000);
const SOURCES = Array.from({ length: 16 }, (_, i) => `127.0.${1 + (i >> 3)}.${2 + (i & 7)}`);

interface Greeting {
  socket: Socket;
  line: string | null;
  ms: number;
}

/** Connect from `localAddress`, wait for the first line (or the close). */
function greeting(port: number, localAddress: string): Promise<Greeting> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port, localAddress });
    let buffer = '';
    let done = false;
    const finish = (line: string | null) => {
      if (done) return;
      done = true;
      resolve({ socket, line, ms: performance.now() - started });
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\r\n');
      if (nl >= 0) finish(buffer.slice(0, nl));
    });
    socket.on('error', () => finish(null));
    socket.on('close', () => finish(null));
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

const server = await startShipped({ users: [], password: 'pass' });
try {
  const port = server.port('imap');
  const workers = () => treeMemoryKiB(server.master.pid!).pids.length - 1;
  console.log(`master-accept: shipped conf/cyrus.conf, ${workers()} server processes besides the master (every service), ${total} connections, ${concurrency} at a time`);

  // Every worker up and warm (a connection waits in the master until a worker is ready).
  for (let i = 0; i < 200; i += 20) {
    for (const g of await Promise.all(Array.from({ length: 20 }, (_, j) => greeting(port, SOURCES[j % SOURCES.length]!)))) g.socket.destroy();
  }

  // 1. Accept, hand over, greet, close: the churn a busy server sees.
  const latencies: number[] = [];
  let greeted = 0;
  let refused = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      while (next < total) {
        const i = next++;
        const g = await greeting(port, SOURCES[(lane + i) % SOURCES.length]!);
        latencies.push(g.ms);
        if (g.line?.startsWith('* OK')) greeted++;
        else refused++;
        g.socket.destroy();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(`  churn: ${(total / seconds).toFixed(0)} connections/s accepted and greeted (${greeted} greeted, ${refused} refused or closed) in ${seconds.toFixed(2)} s`);
  console.log(`  connect → greeting: p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, max ${latencies.at(-1)?.toFixed(2)} ms`);

  // 2. Hold H silent connections (as an idle crowd before login) and weigh them.
  await new Promise((r) => setTimeout(r, 1000));
  const before = treeMemoryKiB(server.master.pid!);
  const held: Socket[] = [];
  let heldGreeted = 0;
  const holdStarted = performance.now();
  for (let i = 0; i < hold; i += concurrency) {
    const batch = await Promise.all(Array.from({ length: Math.min(concurrency, hold - i) }, (_, j) => greeting(port, SOURCES[(i + j) % SOURCES.length]!)));
    for (const g of batch) {
      held.push(g.socket);
      if (g.line?.startsWith('* OK')) heldGreeted++;
    }
  }
  const holdSeconds = (performance.now() - holdStarted) / 1000;
  await new Promise((r) => setTimeout(r, 1000));
  const after = treeMemoryKiB(server.master.pid!);
  console.log(`  hold: ${heldGreeted} of ${hold} silent connections greeted in ${holdSeconds.toFixed(2)} s (${(hold / holdSeconds).toFixed(0)}/s)`);
  console.log(`  memory: PSS +${((after.pss - before.pss) / 1024).toFixed(1)} MiB, ${((after.pss - before.pss) / Math.max(1, heldGreeted)).toFixed(1)} KiB per connection before login (RSS +${((after.rss - before.rss) / 1024).toFixed(1)} MiB)`);
  for (const socket of held) socket.destroy();
} finally {
  await server.stop();
}
