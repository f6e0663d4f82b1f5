// Child of bench/store-reader-latency: append, flag and expunge in one mailbox as fast as it can.
// argv: imapdConf mailbox durationMs. Waits for "go" on its IPC channel, then reports
// { appends, flagChanges, expunges, expunged, writeMs[] } once the time is up.
import { ImapdConfig } from '../src/config/index.js';
import { MailStore } from '../src/store/index.js';

const [configFile, mailboxName, durationText] = process.argv.slice(2);
const store = MailStore.open({ config: ImapdConfig.load(configFile!) });
const box = store.openMailbox(mailboxName!);
const line = 'The quick brown fox jumps over the lazy dog, again and again.\r\n';
const body = (i: number) =>
  Buffer.from(`From: writer${process.pid}@example.com\r\nTo: fred@example.com\r\nSubject: ${process.pid} ${i}\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n${line.repeat(20 + (i % 7) * 10)}`);

async function run(durationMs: number): Promise<void> {
  const until = performance.now() + durationMs;
  let appends = 0;
  let flagChanges = 0;
  let expunges = 0;
  let expunged = 0;
  // Wall time of every write, so the report can say how long the write lock is held.
  const writeMs: number[] = [];
  const timed = <T>(fn: () => T): T => {
    const t0 = performance.now();
    const out = fn();
    writeMs.push(performance.now() - t0);
    return out;
  };
  for (let i = 0; performance.now() < until; i++) {
    const t0 = performance.now();
    const { uids } = await box.append([{ content: body(i), flags: i % 3 === 0 ? ['\\Deleted'] : [] }], { userid: 'fred' });
    writeMs.push(performance.now() - t0);
    appends++;
    const uid = uids[0]!;
    timed(() => box.setFlags([uid - 1, uid], 'add', ['\\Flagged', '\\Seen'], { userid: 'fred' }));
    flagChanges++;
    if (i % 5 === 4) {
      expunged += timed(() => box.expunge()).length;
      expunges++;
    }
  }
  process.send!({ appends, flagChanges, expunges, expunged, writeMs });
}

process.on('message', (msg: { go?: boolean; durationMs?: number }) => {
  if (!msg.go) return;
  run(Number(durationText)).then(
    () => {
      box.close();
      store.close();
      process.disconnect();
    },
    (err: unknown) => {
      process.stderr.write(`writer ${process.pid}: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
});
process.send!({ ready: true });
