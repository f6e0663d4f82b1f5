// Memory of the whole server (master + imapd workers, PSS) with N authenticated connections
// idling in IDLE on their INBOX, and per connection. Usage: node dist/bench/imap-idle-memory.js [N=1000]
import { BenchClient, startBenchMaster, treePssKiB } from './_master.js';

const n = Number(process.argv[2] ?? 1000);
const master = await startBenchMaster({ prefork: 1 });
try {
  const warm = await BenchClient.connect(master.port);
  await warm.command('LOGIN fred pass');
  await warm.command('SELECT INBOX');
  await new Promise((r) => setTimeout(r, 500));
  const before = treePssKiB(master.process.pid!);
  const clients: BenchClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = await BenchClient.connect(master.port);
    await c.command('LOGIN fred pass');
    await c.command('SELECT INBOX');
    c.send(`i IDLE\r\n`);
    clients.push(c);
  }
  await new Promise((r) => setTimeout(r, 2000));
  const after = treePssKiB(master.process.pid!);
  const perConn = ((after.pss - before.pss) * 1024) / n;
  console.log(`imap-idle-memory: ${n} idle authenticated connections; server PSS ${(after.pss / 1024).toFixed(1)} MiB in ${after.pids.length} processes (${(before.pss / 1024).toFixed(1)} MiB before); ${(perConn / 1024).toFixed(1)} KiB per connection`);
  for (const c of clients) c.socket.destroy();
  warm.socket.destroy();
} finally {
  await master.stop();
}
