// Figure: resident memory of one process with 1,000 mailboxes open (MB).
// `node --expose-gc dist/bench/store-memory.js [count]`
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapdConfig } from '../src/config/index.js';
import { MailStore } from '../src/store/index.js';
import type { Mailbox } from '../src/mailbox/index.js';

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const gc = (globalThis as { gc?: () => void }).gc;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv[2] ?? 1000);
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'bench-memory-'));
  try {
    const config = ImapdConfig.fromText(`configdirectory: ${dir}/conf\npartition-default: ${dir}/spool\nfsync_disabled: yes\n`, join(dir, 'imapd.conf'));
    const store = MailStore.open({ config });
    for (let i = 0; i < count; i++) store.createMailbox(`user.u${i}`);
    gc?.();
    const before = process.memoryUsage().rss;
    const boxes: Mailbox[] = [];
    for (let i = 0; i < count; i++) {
      const box = store.openMailbox(`user.u${i}`);
      box.snapshot(`u${i}`);
      boxes.push(box);
    }
    gc?.();
    const after = process.memoryUsage().rss;
    console.log(`store-memory: ${count} mailboxes open: rss ${mb(after)} MB (${mb(after - before)} MB for the mailboxes, ${((after - before) / count / 1024).toFixed(0)} KB each)`);
    for (const box of boxes) box.close();
    store.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
