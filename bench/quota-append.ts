// Figure: the cost of quota on the durable append path: msg/s of 4 KB appends (fsync on) into a
// mailbox without a quota root and into one under a root with limits, in the same run
// (alternating rounds, so both see the same disk). Also `quota` report and `quota -f` time.
// `node dist/bench/quota-append.js [count] [--rounds N] [--users N]` (--users: the quota tool at N
// users, each an INBOX root with one message; default 10,000; 0 skips it)
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapdConfig } from '../src/config/index.js';
import { MailStore } from '../src/store/index.js';
import { runQuota } from '../src/tools/quota.js';

const HEADER = 'From: Bench <bench@example.com>\r\nTo: fred@example.com\r\nSubject: load\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n';
const LINE = 'The quick brown fox jumps over the lazy dog, again and again.\r\n';
const MESSAGE = Buffer.from(HEADER + LINE.repeat(Math.ceil((4096 - HEADER.length) / LINE.length)).slice(0, 4096 - HEADER.length));

async function appendMany(store: MailStore, name: string, count: number): Promise<number> {
  const box = store.openMailbox(name);
  const start = performance.now();
  for (let i = 0; i < count; i++) await box.append([{ content: MESSAGE }]);
  const ms = performance.now() - start;
  box.close();
  return ms;
}

export interface QuotaAppendFigures {
  withoutRoot: number;
  withRoot: number;
  /** withRoot / withoutRoot. */
  ratio: number;
  recountMs: number;
}

export async function benchQuotaAppend(count: number, rounds: number): Promise<QuotaAppendFigures> {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'bench-quota-'));
  try {
    const config = ImapdConfig.fromText(`configdirectory: ${dir}/conf\npartition-default: ${dir}/spool\nfsync_disabled: no\n`, join(dir, 'imapd.conf'));
    const store = MailStore.open({ config });
    store.createMailbox('user.free');
    store.createMailbox('user.limited');
    store.setQuota('user.limited', { STORAGE: 10 * 1024 * 1024, MESSAGE: 10_000_000, MAILBOX: null });
    const totals = { free: 0, limited: 0 };
    const per = Math.max(1, Math.floor(count / rounds));
    for (let round = 0; round < rounds; round++) {
      totals.free += await appendMany(store, 'user.free', per);
      totals.limited += await appendMany(store, 'user.limited', per);
    }
    const start = performance.now();
    store.recountQuota('user.limited', true);
    const recountMs = performance.now() - start;
    store.close();
    const withoutRoot = (per * rounds * 1000) / totals.free;
    const withRoot = (per * rounds * 1000) / totals.limited;
    return { withoutRoot, withRoot, ratio: withRoot / withoutRoot, recountMs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `quota` (report) and `quota -f` wall time at `users` users (setup with fsync off; the tool as run). */
export async function benchQuotaTool(users: number): Promise<{ reportMs: number; fixMs: number }> {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'bench-quota-tool-'));
  try {
    const configFile = join(dir, 'imapd.conf');
    fs.writeFileSync(configFile, `configdirectory: ${dir}/conf\npartition-default: ${dir}/spool\nfsync_disabled: yes\n`);
    const store = MailStore.open({ config: ImapdConfig.load(configFile) });
    for (let i = 0; i < users; i++) {
      const inbox = `user.u${i}`;
      store.createMailbox(inbox);
      const box = store.openMailbox(inbox);
      await box.append([{ content: MESSAGE }]);
      box.close();
      store.quotas.setLimits(inbox, { STORAGE: 1024, MESSAGE: null, MAILBOX: null });
    }
    store.close();
    const quiet = () => undefined;
    let start = performance.now();
    runQuota({ config: configFile }, quiet, quiet);
    const reportMs = performance.now() - start;
    start = performance.now();
    runQuota({ config: configFile, fix: true, quiet: true }, quiet, quiet);
    return { reportMs, fixMs: performance.now() - start };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 2000);
  const roundsAt = process.argv.indexOf('--rounds');
  const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 4;
  const f = await benchQuotaAppend(count, rounds);
  console.log(
    `quota-append: ${count} × 4 KB durable appends each way: without a quota root ${f.withoutRoot.toFixed(0)} msg/s, ` +
      `under a root ${f.withRoot.toFixed(0)} msg/s (${(f.ratio * 100).toFixed(0)}%); recount of the root ${f.recountMs.toFixed(1)} ms`,
  );
  const usersAt = process.argv.indexOf('--users');
  const users = usersAt > 0 ? Number(process.argv[usersAt + 1]) : 10_000;
  if (users > 0) {
    const t = await benchQuotaTool(users);
    console.log(`quota tool at ${users} users: report ${t.reportMs.toFixed(0)} ms, quota -f ${t.fixMs.toFixed(0)} ms`);
  }
}
