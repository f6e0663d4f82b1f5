// Memory of the whole server (master + imapd workers) with N authenticated connections idling in
// IDLE on their INBOX, and per connection: PSS (shared pages split between the processes that map
// them: the better measure) and the total RSS of all server processes (what the issue asks for;
// it counts the shared pages of node and its libraries once per process).
// Usage: node dist/bench/imap-idle-memory.js [N=1000]
import { BenchClient, startBenchMaster, treeMemoryKiB } from './_master.js';

const mib = (kib: number) => (kib / 1024).toFixed(1);

const n = Number(process.argv[2] ?? 1000);
// maxlogins_per_user_host (50 by default) bounds one user's sessions from one address: many users.
const users = Array.from({ length: Math.ceil(n / 50) }, (_, i) => `idle${i}`);
const master = await startBenchMaster({ prefork: 1, users: ['fred', ...users] });
try {
  const warm = await BenchClient.connect(master.port);
  await warm.command('LOGIN fred pass');
  await warm.command('SELECT INBOX');
  await new Promise((r) => setTimeout(r, 500));
  const before = treeMemoryKiB(master.process.pid!);
  const clients: BenchClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = await BenchClient.connect(master.port);
    const login = await c.command(`LOGIN ${users[i % users.length]} pass`);
    if (!login.at(-1)!.includes(' OK')) throw new Error(`LOGIN: ${login.at(-1)}`);
    await c.command('SELECT INBOX');
    c.send(`i IDLE\r\n`);
    clients.push(c);
  }
  await new Promise((r) => setTimeout(r, 2000));
  const after = treeMemoryKiB(master.process.pid!);
  const perConn = (kib: number) => (kib / n).toFixed(1);
  console.log(`imap-idle-memory: ${n} idle authenticated connections, ${after.pids.length} server processes`);
  console.log(`  PSS: ${mib(after.pss)} MiB (${mib(before.pss)} MiB before); ${perConn(after.pss - before.pss)} KiB per connection`);
  console.log(`  RSS: ${mib(after.rss)} MiB total of all server processes (${mib(before.rss)} MiB before); ${perConn(after.rss - before.rss)} KiB per connection`);
  for (const c of clients) c.socket.destroy();
  warm.socket.destroy();
} finally {
  await master.stop();
}
