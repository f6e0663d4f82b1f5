// Figure: durable appends of 10,000 × 4 KB messages into one mailbox from one process (msg/s).
// `node dist/bench/store-append.js [count] [--no-fsync]`
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapdConfig } from '../src/config/index.js';
import { MailStore } from '../src/store/index.js';

export async function benchAppend(count: number, durable: boolean): Promise<{ perSecond: number; ms: number }> {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'bench-append-'));
  try {
    const config = ImapdConfig.fromText(`configdirectory: ${dir}/conf\npartition-default: ${dir}/spool\nfsync_disabled: ${durable ? 'no' : 'yes'}\n`, join(dir, 'imapd.conf'));
    const store = MailStore.open({ config });
    store.createMailbox('user.bench');
    const box = store.openMailbox('user.bench');
    const header = 'From: Bench <bench@example.com>\r\nTo: fred@example.com\r\nSubject: load\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n';
    const line = 'The quick brown fox jumps over the lazy dog, again and again.\r\n';
    const body = line.repeat(Math.ceil((4096 - header.length) / line.length)).slice(0, 4096 - header.length);
    const start = performance.now();
    for (let i = 0; i < count; i++) await box.append([{ content: Buffer.from(header + body) }]);
    const ms = performance.now() - start;
    box.close();
    store.close();
    return { perSecond: (count * 1000) / ms, ms };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 10_000);
  const durable = !process.argv.includes('--no-fsync');
  const { perSecond, ms } = await benchAppend(count, durable);
  console.log(`store-append: ${count} × 4 KB ${durable ? 'durable' : 'fsync_disabled'} appends in ${ms.toFixed(0)} ms = ${perSecond.toFixed(0)} msg/s`);
}
