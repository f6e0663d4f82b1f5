// Figure: MULTIAPPEND through the one intake path, in process: `count` bench messages (about 1.5 KB,
// as imap-100k sends them) in commands of `batch`, into one mailbox (msg/s). Separates the store's
// cost from the wire's: with --no-fsync it is the CPU alone.
// `node dist/bench/store-multiappend.js [count] [--batch=100] [--no-fsync] [--dir=PATH]`
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../src/common/log.js';
import { ImapdConfig } from '../src/config/index.js';
import { Intake } from '../src/intake/index.js';
import { MailStore } from '../src/store/index.js';
import { benchMessage } from './_imap-client.js';

export async function benchMultiAppend(count: number, batch: number, durable: boolean, base = os.tmpdir()): Promise<{ perSecond: number; ms: number; cpuPerMessage: number }> {
  const dir = fs.mkdtempSync(join(base, 'bench-multiappend-'));
  try {
    const config = ImapdConfig.fromText(`configdirectory: ${dir}/conf\npartition-default: ${dir}/spool\nfsync_disabled: ${durable ? 'no' : 'yes'}\n`, join(dir, 'imapd.conf'));
    const store = MailStore.open({ config });
    const intake = new Intake({ store, config, logger: silentLogger() });
    store.createMailbox('user.bench');
    const flags = (i: number) => (i % 2 === 0 ? ['\\Seen'] : i % 7 === 0 ? ['\\Flagged', '$Work'] : []);
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let at = 0; at < count; at += batch) {
      const inputs = [];
      for (let i = at; i < Math.min(count, at + batch); i++) inputs.push({ bytes: benchMessage(i), flags: flags(i) });
      await intake.append('user.bench', inputs, { userid: 'bench' });
    }
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    intake.close();
    store.close();
    return { perSecond: (count * 1000) / ms, ms, cpuPerMessage: (used.user + used.system) / 1000 / count };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 10_000);
  const batch = Number(process.argv.find((a) => a.startsWith('--batch='))?.slice(8) ?? 100);
  const base = process.argv.find((a) => a.startsWith('--dir='))?.slice(6);
  const durable = !process.argv.includes('--no-fsync');
  const { perSecond, ms, cpuPerMessage } = await benchMultiAppend(count, batch, durable, base);
  // CPU time (all threads of the process) per message: steadier than the rate on a shared machine.
  console.log(`store-multiappend: ${count} messages, ${batch} per command, ${durable ? 'durable' : 'fsync_disabled'}: ${ms.toFixed(0)} ms = ${perSecond.toFixed(0)} msg/s, CPU ${cpuPerMessage.toFixed(3)} ms/msg`);
}
