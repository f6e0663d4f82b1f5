// Figure: IDLE push latency of ours beside Dovecot 2.3 and Cyrus 3.6, measured the same way for all
// three from outside. One connection IDLEs on a scratch mailbox while a second APPENDs one message at
// a time into it, INTERVAL_MS apart; a delivery's latency is when this process read the "* N EXISTS"
// on the first minus when it read the APPEND's tagged OK on the second (negative when the push came
// first), and also when the EXISTS was read minus when the APPEND was sent (the whole trip of a
// message to the other connection: the append's own work and fsyncs, then the push). Both ends are
// read by this one process, on one clock. Rounds take the servers in turn, starting
// with a different one each round, and each round also measures the machine's floor for a push (two
// process wake-ups with nothing else to do, bench/_wakeup-floor.ts) so that the tails can be read
// against what the machine gives anyone.
// Ours runs the shipped settings (conf/: fsync on, the shipped cyrus.conf) through the master.
// imap-idle-latency measures ours alone from an appending process (the facts-carrying path of a
// delivery); this one measures an IMAP APPEND on another connection, which every server supports.
// `npm run bench -- imap-idle-peers [COUNT=500] [INTERVAL_MS=10] [--rounds=3] [--user=user43] [--peers=none] [--cli=PATH] [--env=NAME=VALUE]`
import { fileURLToPath } from 'node:url';
import { TaggedClient, benchMessage } from './_imap-client.js';
import { startTargets } from './_shipped.js';
import { BenchClient, arg, percentile } from './_master.js';
import { wakeupFloor } from './_wakeup-floor.js';

const PASSWORD = 'pass';
const clock = (): number => performance.timeOrigin + performance.now();

/** Latencies (ms, sorted) of a round's pushes: after the APPEND's OK, and after the APPEND was sent. */
interface RoundLatencies {
  afterOk: number[];
  afterSend: number[];
}

/** One server's round: `count` appends, each pushed to the IDLE connection. */
async function idleRound(port: number, user: string, count: number, intervalMs: number): Promise<RoundLatencies> {
  const scratch = `benchidle${process.pid}`;
  const appender = await TaggedClient.open(port, 'P');
  const idler = await BenchClient.connect(port);
  try {
    await appender.ok([`LOGIN ${user} ${PASSWORD}\r\n`], 'LOGIN');
    await appender.send([`DELETE ${scratch}\r\n`]);
    await appender.ok([`CREATE ${scratch}\r\n`], 'CREATE');
    await idler.command(`LOGIN ${user} ${PASSWORD}`);
    const selected = await idler.command(`SELECT ${scratch}`);
    if (!selected.at(-1)!.includes(' OK')) throw new Error(`SELECT: ${selected.at(-1)}`);
    // arrivals[i]: when the idler learnt of the (i+1)th message ("* N EXISTS" tells of all up to N).
    const arrivals: number[] = [];
    let idling: (() => void) | null = null;
    idler.onUntagged = (line, at) => {
      if (line.startsWith('+')) idling?.();
      const m = /^\* (\d+) EXISTS$/.exec(line);
      if (m) while (arrivals.length < Number(m[1])) arrivals.push(at);
    };
    await new Promise<void>((resolve) => {
      idling = resolve;
      idler.send('I IDLE\r\n');
    });
    const acknowledged: number[] = [];
    const sent: number[] = [];
    for (let i = 0; i < count; i++) {
      const message = benchMessage(i);
      sent.push(clock());
      const status = await appender.send([`APPEND ${scratch} {${message.length}+}\r\n`, message, '\r\n']);
      acknowledged.push(clock());
      if (!status.startsWith('OK')) throw new Error(`APPEND: ${status}`);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    // The last pushes (a server that polls may be late: those count as missing, not as latencies).
    for (let waited = 0; arrivals.length < count && waited < 2000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    idler.send('DONE\r\n');
    await appender.send([`DELETE ${scratch}\r\n`]);
    await appender.send(['LOGOUT\r\n']);
    const afterOk: number[] = [];
    const afterSend: number[] = [];
    for (let i = 0; i < count; i++) {
      if (arrivals[i] === undefined) continue;
      afterOk.push(arrivals[i]! - acknowledged[i]!);
      afterSend.push(arrivals[i]! - sent[i]!);
    }
    return { afterOk: afterOk.sort((a, b) => a - b), afterSend: afterSend.sort((a, b) => a - b) };
  } finally {
    appender.close();
    idler.socket.destroy();
  }
}

function summary(sorted: number[], count: number): string {
  if (sorted.length === 0) return 'no pushes';
  const missing = count - sorted.length;
  return `p50 ${percentile(sorted, 50).toFixed(2)} p99 ${percentile(sorted, 99).toFixed(2)} max ${sorted.at(-1)!.toFixed(2)} ms, over 1 ms ${sorted.filter((x) => x > 1).length}${missing > 0 ? `, ${missing} not pushed within 2 s` : ''}`;
}

async function main(): Promise<void> {
  const positional = process.argv.slice(2).filter((a) => /^\d+$/.test(a));
  const count = Number(positional[0] ?? 500);
  const intervalMs = Number(positional[1] ?? 10);
  const rounds = Number(arg('rounds') ?? 3);
  const user = arg('user') ?? 'user43';
  const { servers, targets } = await startTargets(user, PASSWORD, { env: arg('env'), cli: arg('cli'), peers: arg('peers') });
  try {
    targets.push({ label: 'machine floor', port: 0 });
    const pooled = new Map<string, RoundLatencies>(targets.map((t) => [t.label, { afterOk: [], afterSend: [] }]));
    for (let round = 0; round < rounds; round++) {
      const line: string[] = [];
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(round + k) % targets.length]!;
        // The floor has no APPEND: its one latency stands in both columns.
        const got = t.port === 0 ? await wakeupFloor(count, intervalMs).then((l) => ({ afterOk: l, afterSend: l })) : await idleRound(t.port, user, count, intervalMs);
        const all = pooled.get(t.label)!;
        all.afterOk.push(...got.afterOk);
        all.afterSend.push(...got.afterSend);
        line.push(`${t.label} p99 ${got.afterOk.length > 0 ? percentile(got.afterOk, 99).toFixed(2) : '-'}`);
      }
      console.log(`imap-idle-peers: round ${round + 1} (after the OK): ${line.join(', ')}`);
    }
    console.log(`imap-idle-peers: ${count} appends per server and round, ${intervalMs} ms apart, ${rounds} rounds, pooled:`);
    for (const t of targets) {
      const all = pooled.get(t.label)!;
      if (t.port === 0) {
        console.log(`  ${t.label} (two wake-ups, nothing else): ${summary(all.afterOk.sort((a, b) => a - b), count * rounds)}`);
        continue;
      }
      console.log(`  ${t.label}: after the APPEND's OK ${summary(all.afterOk.sort((a, b) => a - b), count * rounds)}`);
      console.log(`  ${' '.repeat(t.label.length)}  after the APPEND was sent ${summary(all.afterSend.sort((a, b) => a - b), count * rounds)}`);
    }
  } finally {
    for (const s of servers) await s.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
