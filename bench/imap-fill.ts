// Figure: the MULTIAPPEND fill rate (msg/s) of ours beside Dovecot 2.3 and Cyrus 3.6, in alternating
// rounds so that each server sees the same machine load (the imap-100k fill row is one run per
// server, minutes apart). Each round appends `count` bench messages (as imap-100k sends them, 100
// per command, LITERAL+) into a scratch mailbox made and deleted in the round, the servers taken in
// turn from a different first one each round; the median per server.
// Ours runs the shipped settings (fsync on) through the master. `--env=NAME=VALUE` starts a second
// copy of ours with that environment beside the first (an A/B of a setting within one run);
// `--cli=PATH/dist/bin/cyrusts.js` starts another build beside ours (before/after in one run).
// Beside the rate, the CPU time (user + system, µs per message) of the server process that held the
// connection during the appends, from /proc (needs the privileges to look at the peers' processes,
// "-" otherwise): the work per message, which the machine's load sways less than the rate.
// --fresh: each round fills a mailbox of its own and every one is deleted after the last round, where
// by default one scratch mailbox is made and deleted in every round. On this machine's ext4 (no
// journal) a file create skips every inode freed in the last 30 s or so, so the round after a
// server's DELETE of thousands of messages pays for them (the helper's profile: up to 250 µs of
// kernel CPU per create); a mailbox being filled seldom follows such a DELETE. The default mode also
// favours ours: its shipped delete_mode (delayed, Cyrus's default) frees no file during the run,
// where the peers (set up with immediate deletion) free each round's files. --fresh is the fair one;
// run it when nothing has deleted files nearby in the last half minute (TMPDIR moves our data).
// `npm run bench -- imap-fill [count] [--rounds=5] [--user=user42] [--peers=none] [--fresh] [--env=NAME=VALUE] [--cli=PATH]`
import { fileURLToPath } from 'node:url';
import { TaggedClient, benchMessage } from './_imap-client.js';
import { startTargets } from './_shipped.js';
import { arg, median } from './_master.js';
import { loopbackSocketInode, processCpu, processOfSocket } from './_proc-cpu.js';

const PASSWORD = 'pass';
const BATCH = 100;

interface RoundResult {
  rate: number;
  /** CPU µs per message of the server process, or null when it could not be seen. */
  user: number | null;
  sys: number | null;
}

/** The server process at the other end of the client's connection, or null. */
function serverPid(serverPort: number, c: TaggedClient): number | null {
  const local = c.localPort;
  if (local === undefined) return null;
  try {
    const inode = loopbackSocketInode(serverPort, local);
    return inode === null ? null : processOfSocket(inode);
  } catch {
    return null;
  }
}

/**
 * One round: CREATE, `count` messages by MULTIAPPEND of BATCH, DELETE (unless `keep`: the scratch
 * mailbox `scratch` stays until the end of the run); the msg/s of the appends and their CPU per message.
 */
async function fillRound(port: number, user: string, count: number, messages: Buffer[], scratch: string, keep: boolean): Promise<RoundResult> {
  const c = await TaggedClient.open(port, 'F');
  try {
    await c.ok([`LOGIN ${user} ${PASSWORD}\r\n`], 'LOGIN');
    await c.send([`DELETE ${scratch}\r\n`]);
    await c.ok([`CREATE ${scratch}\r\n`], 'CREATE');
    const pid = serverPid(port, c);
    const cpuBefore = pid === null ? null : processCpu(pid);
    const start = performance.now();
    for (let at = 0; at < count; at += BATCH) {
      const pieces: Array<string | Buffer> = [`APPEND ${scratch}`];
      for (let i = at; i < Math.min(count, at + BATCH); i++) {
        const flags = i % 2 === 0 ? ' (\\Seen)' : i % 7 === 0 ? ' (\\Flagged $Work)' : '';
        pieces.push(`${flags} {${messages[i]!.length}+}\r\n`, messages[i]!);
      }
      pieces.push('\r\n');
      await c.ok(pieces, 'APPEND');
    }
    const rate = (count * 1000) / (performance.now() - start);
    const cpuAfter = pid === null ? null : processCpu(pid);
    const per = (after: number | undefined, before: number | undefined) => (after === undefined || before === undefined ? null : (after - before) / count);
    const result = { rate, user: per(cpuAfter?.user, cpuBefore?.user), sys: per(cpuAfter?.sys, cpuBefore?.sys) };
    if (!keep) await c.ok([`DELETE ${scratch}\r\n`], 'DELETE');
    await c.send(['LOGOUT\r\n']);
    return result;
  } finally {
    c.close();
  }
}

/** "user+sys µs/msg" as medians over the rounds, "-" when the process was not seen. */
function cpuText(rows: Array<{ user: number | null; sys: number | null }>): string {
  const user = rows.map((r) => r.user).filter((v): v is number => v !== null);
  const sys = rows.map((r) => r.sys).filter((v): v is number => v !== null);
  if (user.length === 0 || sys.length === 0) return 'cpu -';
  return `cpu ${median(user).toFixed(0)}+${median(sys).toFixed(0)} µs/msg`;
}

async function main(): Promise<void> {
  const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 2000);
  const rounds = Number(arg('rounds') ?? 5);
  const user = arg('user') ?? 'user42';
  const messages = Array.from({ length: count }, (_, i) => benchMessage(i));
  const fresh = process.argv.includes('--fresh');
  const { servers, targets } = await startTargets(user, PASSWORD, { env: arg('env'), cli: arg('cli'), peers: arg('peers') });
  try {
    const rates = new Map<string, number[]>(targets.map((t) => [t.label, []]));
    const cpus = new Map<string, Array<{ user: number | null; sys: number | null }>>(targets.map((t) => [t.label, []]));
    for (let round = 0; round < rounds; round++) {
      // Each round starts with the next server: none always follows the same one (a server's
      // writes still being flushed slow the next, and so do the files its DELETE freed: ext4
      // without a journal skips inodes freed in the last 30 s or so when it creates a file).
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(round + k) % targets.length]!;
        const r = await fillRound(t.port, user, count, messages, fresh ? `benchfill${process.pid}r${round}` : `benchfill${process.pid}`, fresh);
        rates.get(t.label)!.push(r.rate);
        cpus.get(t.label)!.push({ user: r.user, sys: r.sys });
      }
      console.log(`imap-fill: round ${round + 1}: ${targets.map((t) => `${t.label} ${rates.get(t.label)!.at(-1)!.toFixed(0)} (${cpuText([cpus.get(t.label)!.at(-1)!])})`).join(', ')}`);
    }
    console.log(`imap-fill: ${count} messages per round, ${rounds} rounds, median msg/s: ${targets.map((t) => `${t.label} ${median(rates.get(t.label)!).toFixed(0)}`).join(', ')}`);
    console.log(`imap-fill: median CPU µs per message of the server process (user+sys): ${targets.map((t) => `${t.label} ${cpuText(cpus.get(t.label)!)}`).join(', ')}`);
    if (fresh) for (const t of targets) await deleteScratch(t.port, user, rounds);
  } finally {
    for (const s of servers) await s.stop();
  }
}

/** --fresh: the scratch mailboxes of every round, deleted once the rounds are over. */
async function deleteScratch(port: number, user: string, rounds: number): Promise<void> {
  const c = await TaggedClient.open(port, 'D');
  try {
    await c.ok([`LOGIN ${user} ${PASSWORD}\r\n`], 'LOGIN');
    for (let round = 0; round < rounds; round++) await c.send([`DELETE benchfill${process.pid}r${round}\r\n`]);
    await c.send(['LOGOUT\r\n']);
  } finally {
    c.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
