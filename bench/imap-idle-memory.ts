// Memory of the whole server (master + imapd workers) with N authenticated connections idling in
// IDLE on their INBOX. Three readings of PSS (shared pages split between the processes that map
// them: the better measure) and of the summed RSS of all server processes (shared pages of node and
// its libraries counted once per process):
//   - base: every user has logged in once and logged out (the processes, their heaps, the password
//     hashing's scratch memory and the auth cache are warm), no connection open;
//   - at N/2 and at N connections.
// "per connection" divides the growth from base to N by N (it still carries one-time growth: the
// V8 young generation and code caches sized up under load); "marginal" is the slope between N/2
// and N, what one more idle connection costs. The fixed cost of the processes is the base figure.
// With --compress each connection turns on COMPRESS=DEFLATE (RFC 4978) after its SELECT and sends
// its IDLE compressed: the zlib state of both directions is then part of the per-connection cost.
// Usage: node dist/bench/imap-idle-memory.js [N=1000] [PREFORK=number of cores, as shipped] [--compress]
import { availableParallelism } from 'node:os';
import { constants, deflateRawSync } from 'node:zlib';
import { BenchClient, startBenchMaster, treeMemoryKiB } from './_master.js';

const mib = (kib: number) => (kib / 1024).toFixed(1);

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const compress = process.argv.includes('--compress');
const n = Number(positional[0] ?? 1000);
const prefork = Number(positional[1] ?? availableParallelism());
// maxlogins_per_user_host (50 by default) bounds one user's sessions from one address: many users.
const users = Array.from({ length: Math.ceil(n / 50) }, (_, i) => `idle${i}`);
const master = await startBenchMaster({ prefork, users });
const settle = () => new Promise((r) => setTimeout(r, 2000));
try {
  // Warm-up: each user once per worker, all at once so that every worker serves some (a worker's
  // first logins grow it by tens of MiB once: the password hash's scratch memory kept by malloc in
  // each hashing thread, V8's young generation; that is not a cost per connection), then all closed.
  await settle();
  const warm = await Promise.all(Array.from({ length: prefork }, () => users).flat().map(async (user) => {
    const c = await BenchClient.connect(master.port);
    await c.command(`LOGIN ${user} pass`);
    await c.command('SELECT INBOX');
    return c;
  }));
  for (const c of warm) await c.command('LOGOUT');
  await settle();
  const base = treeMemoryKiB(master.process.pid!);
  const clients: BenchClient[] = [];
  let half = base;
  for (let i = 0; i < n; i++) {
    const c = await BenchClient.connect(master.port);
    const login = await c.command(`LOGIN ${users[i % users.length]} pass`);
    if (!login.at(-1)!.includes(' OK')) throw new Error(`LOGIN: ${login.at(-1)}`);
    await c.command('SELECT INBOX');
    if (compress) {
      const ok = await c.command('COMPRESS DEFLATE');
      if (!ok.at(-1)!.includes(' OK')) throw new Error(`COMPRESS: ${ok.at(-1)}`);
      // What the server writes from now on is compressed: this client reads nothing more.
      c.socket.write(deflateRawSync(Buffer.from('i IDLE\r\n'), { finishFlush: constants.Z_SYNC_FLUSH }));
    } else c.send(`i IDLE\r\n`);
    clients.push(c);
    if (i + 1 === Math.floor(n / 2)) {
      await settle();
      half = treeMemoryKiB(master.process.pid!);
    }
  }
  await settle();
  const after = treeMemoryKiB(master.process.pid!);
  const halfN = Math.floor(n / 2);
  const per = (kib: number, count: number) => (kib / count).toFixed(1);
  console.log(`imap-idle-memory: ${n} idle authenticated connections (IDLE on INBOX${compress ? ', COMPRESS=DEFLATE' : ''}), ${after.pids.length} server processes (prefork=${prefork})`);
  for (const [name, key] of [['PSS', 'pss'], ['RSS', 'rss']] as const) {
    console.log(`  ${name}: ${mib(after[key])} MiB in all at ${n} (${mib(base[key])} MiB with none, ${mib(half[key])} MiB at ${halfN}); ` +
      `${per(after[key] - base[key], n)} KiB per connection, marginal ${per(after[key] - half[key], n - halfN)} KiB (${halfN} → ${n})`);
  }
  const masterPid = master.process.pid!;
  const perProcess = (m: ReturnType<typeof treeMemoryKiB>) => [...m.byPid].map(([pid, v]) => `${pid === masterPid ? 'master' : pid} ${mib(v.pss)}`).join(', ');
  console.log(`  PSS by process (MiB): with none ${perProcess(base)}; at ${halfN} ${perProcess(half)}; at ${n} ${perProcess(after)}`);
  for (const c of clients) c.socket.destroy();
} finally {
  await master.stop();
}
