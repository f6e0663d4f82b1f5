// Figure: LIST pattern times on a 1,000,000-entry mailboxes.db (ms per pattern).
// `node dist/bench/store-list.js [users]` (10 mailboxes per user; default 100,000 users = 1M entries)
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapdConfig } from '../src/config/index.js';
import { MailStore } from '../src/store/index.js';

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const users = Number(process.argv[2] ?? 100_000);
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'bench-list-'));
  try {
    const config = ImapdConfig.fromText(`configdirectory: ${dir}/conf\npartition-default: ${dir}/spool\n`, join(dir, 'imapd.conf'));
    const store = MailStore.open({ config });
    const folders = ['', '.Sent', '.Trash', '.Drafts', '.Junk', '.Archive', '.Archive.2020', '.Archive.2021', '.Archive.2022', '.Lists'];
    const t0 = performance.now();
    store.mailboxes.write('bulk', () => {
      let n = 0;
      for (let u = 0; u < users; u++) {
        const user = `user.u${String(u).padStart(7, '0')}`;
        for (const f of folders) store.mailboxes.put({ name: user + f, uniqueId: `id${n++}`, partition: 'default', acl: '', type: [], server: null, createdModseq: 1, modifiedModseq: 1, uidValidity: 1, specialUse: null, quotaRoot: null });
      }
    });
    console.log(`store-list: built ${users * folders.length} entries in ${(performance.now() - t0).toFixed(0)} ms`);
    const probe = `user.u${String(Math.floor(users / 2)).padStart(7, '0')}`;
    for (const pattern of [`${probe}.*`, `${probe}.%`, probe, `${probe}.Archive.%`, '%', 'user.%']) {
      const t = performance.now();
      const found = store.list(pattern).length;
      console.log(`store-list: ${pattern} → ${found} in ${(performance.now() - t).toFixed(2)} ms`);
    }
    store.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
