// Figure: open a 100,000-message mailbox and build its sequence-to-UID map and flags (ms).
// `node dist/bench/store-open.js [count]`
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapdConfig } from '../src/config/index.js';
import { MailStore } from '../src/store/index.js';
import { IndexDb } from '../src/mailbox/index-db.js';

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv[2] ?? 100_000);
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'bench-open-'));
  try {
    const config = ImapdConfig.fromText(`configdirectory: ${dir}/conf\npartition-default: ${dir}/spool\n`, join(dir, 'imapd.conf'));
    let store = MailStore.open({ config });
    store.createMailbox('user.big');
    const path = store.directoryOf('user.big', 'default');
    store.close();
    // Fill the index directly (the figure is about opening, not appending): one transaction.
    const index = IndexDb.open(path, false);
    index.db.transaction(() => {
      for (let uid = 1; uid <= count; uid++) {
        index.stmts.insertMessage.run(uid, uid, uid % 4 === 0 ? 2 : 0, uid % 10 === 0 ? '$Label1 Work' : null, 1.7e12 + uid, 1.7e12 + uid, 4096, 'f'.repeat(40));
      }
      index.stmts.setCounters.run(count + 1, count);
    })();
    index.close();
    store = MailStore.open({ config });
    store.seen.update('fred', store.lookup('user.big')!.uniqueId, Array.from({ length: count / 2 }, (_, i) => i + 1), []);
    const start = performance.now();
    const box = store.openMailbox('user.big');
    const snapshot = box.snapshot('fred');
    const ms = performance.now() - start;
    if (snapshot.count !== count) throw new Error(`expected ${count} messages, got ${snapshot.count}`);
    box.close();
    store.close();
    console.log(`store-open: opened a ${count}-message mailbox and built its UID map and flags in ${ms.toFixed(1)} ms`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
