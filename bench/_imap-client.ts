// The client half of imap-100k: runs in its own process so that reading the responses does not share
// the server's event loop. It counts on Buffers only (FETCH lines, the tagged line, SEARCH hits) and
// sends each row's timings to the parent over IPC (or prints them when run by hand).
// `node dist/bench/_imap-client.js --port=N --user=U --pass=P [--runs=3] [--expect=N]`
import { createConnection, type Socket } from 'node:net';

interface ClientRow {
  name: string;
  /** Best of the runs, in ms. */
  ms: number;
  runs: number[];
  /** FETCH responses or SEARCH hits of the last run. */
  count: number;
}

const FETCH_MARK = Buffer.from(' FETCH (');

interface Reply {
  ms: number;
  fetches: number;
  /** Space-separated items before the tagged line (SEARCH hits + 1). */
  spaces: number;
  tagged: string;
}

/** One connection with a single command in flight at a time; counting happens on the raw chunks. */
class Connection {
  private tagNo = 0;
  private waiting: ((chunk: Buffer) => void) | null = null;
  private greeting: Promise<void>;

  constructor(readonly socket: Socket) {
    this.greeting = new Promise((resolve) => socket.once('data', () => resolve()));
    socket.once('data', () => {
      socket.on('data', (chunk: Buffer) => this.waiting?.(chunk));
    });
  }

  static async open(port: number, host: string): Promise<Connection> {
    const c = new Connection(createConnection({ port, host }));
    await c.greeting;
    return c;
  }

  send(command: string, countSpaces = false): Promise<Reply> {
    const tag = `Z${++this.tagNo}`;
    const marker = Buffer.from(`\r\n${tag} `);
    return new Promise((resolve) => {
      let fetches = 0;
      let spaces = 0;
      // The tail of the previous chunk, so a mark split across chunks is still seen.
      let carry: Buffer = Buffer.from('\r\n');
      const start = performance.now();
      this.waiting = (chunk: Buffer) => {
        const keep = carry.length;
        const data = keep > 0 ? Buffer.concat([carry, chunk]) : chunk;
        // count marks that end in the new bytes only
        let at = data.indexOf(FETCH_MARK, Math.max(0, keep - FETCH_MARK.length + 1));
        while (at !== -1) {
          fetches++;
          at = data.indexOf(FETCH_MARK, at + FETCH_MARK.length);
        }
        const end = data.indexOf(marker, Math.max(0, keep - marker.length + 1));
        if (countSpaces) {
          const stop = end === -1 ? data.length : end;
          for (let i = keep; i < stop; i++) if (data[i] === 0x20) spaces++;
        }
        if (end !== -1) {
          const lineEnd = data.indexOf('\r\n', end + 2);
          const ms = performance.now() - start;
          this.waiting = null;
          resolve({ ms, fetches, spaces, tagged: data.subarray(end + 2, lineEnd === -1 ? data.length : lineEnd).toString('latin1') });
          return;
        }
        carry = data.subarray(Math.max(0, data.length - 16));
      };
      this.socket.write(`${tag} ${command}\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

function check(reply: Reply, what: string): void {
  if (!/^Z\d+ OK/.test(reply.tagged)) throw new Error(`${what}: ${reply.tagged}`);
}

async function runClient(options: { port: number; host: string; user: string; pass: string; runs: number; expect: number | null; only: string | null }): Promise<ClientRow[]> {
  const { port, host, user, pass, runs } = options;
  const rows: ClientRow[] = [];
  const row = (name: string, times: number[], count: number): void => {
    rows.push({ name, ms: Math.min(...times), runs: times, count });
  };
  // LOGIN+SELECT on a fresh connection each run, from sending LOGIN to SELECT's tagged OK
  const loginTimes: number[] = [];
  let exists = 0;
  for (let r = 0; r < runs; r++) {
    const c = await Connection.open(port, host);
    const start = performance.now();
    check(await c.send(`LOGIN ${user} ${pass}`), 'LOGIN');
    const selected = await c.send('SELECT INBOX');
    loginTimes.push(performance.now() - start);
    check(selected, 'SELECT');
    c.close();
    exists = 1;
  }
  row('LOGIN+SELECT', loginTimes, exists);
  const c = await Connection.open(port, host);
  check(await c.send(`LOGIN ${user} ${pass}`), 'LOGIN');
  check(await c.send('EXAMINE INBOX'), 'EXAMINE');
  const timed = async (name: string, command: string, count: 'fetches' | 'hits'): Promise<void> => {
    if (options.only !== null && !name.includes(options.only)) return;
    const times: number[] = [];
    let n = 0;
    for (let r = 0; r < runs; r++) {
      const reply = await c.send(command, count === 'hits');
      check(reply, name);
      times.push(reply.ms);
      n = count === 'fetches' ? reply.fetches : Math.max(0, reply.spaces - 1);
      if (count === 'fetches' && options.expect !== null && n !== options.expect) throw new Error(`${name}: ${n} FETCH responses, expected ${options.expect}`);
    }
    row(name, times, n);
  };
  await timed('UID FETCH 1:* (UID FLAGS)', 'UID FETCH 1:* (UID FLAGS)', 'fetches');
  await timed('FETCH 1:* (ENVELOPE)', 'FETCH 1:* (ENVELOPE)', 'fetches');
  await timed('UID SEARCH UNSEEN', 'UID SEARCH UNSEEN', 'hits');
  await timed('UID SEARCH SUBJECT "x"', 'UID SEARCH SUBJECT "x"', 'hits');
  await timed('STATUS', 'STATUS INBOX (MESSAGES UNSEEN UIDNEXT)', 'hits');
  c.close();
  return rows;
}

function arg(name: string, fallback: string): string {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}

const options = {
  port: Number(arg('port', '143')),
  host: arg('host', '127.0.0.1'),
  user: arg('user', 'fred'),
  pass: arg('pass', 'pass'),
  runs: Number(arg('runs', '3')),
  expect: arg('expect', '') === '' ? null : Number(arg('expect', '')),
  only: arg('only', '') === '' ? null : arg('only', ''),
};
try {
  const rows = await runClient(options);
  if (process.send) process.send({ rows });
  else for (const r of rows) console.log(`${r.name}: ${r.ms.toFixed(1)} ms (runs ${r.runs.map((t) => t.toFixed(1)).join(', ')}; ${r.count})`);
  process.exit(0);
} catch (err) {
  if (process.send) process.send({ error: String(err) });
  else console.error(err);
  process.exit(1);
}
