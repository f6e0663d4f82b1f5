// The client half of imap-100k: runs in its own process so that reading the responses does not share
// the server's event loop. It counts on Buffers only (FETCH lines, the tagged line, SEARCH hits) and
// sends each row's timings to the parent over IPC (or prints them when run by hand). Any server:
// it tops the user's INBOX up to --expect messages by MULTIAPPEND first (kept between runs), and
// measures the MULTIAPPEND rate on a scratch mailbox of --fill-user, deleted afterwards.
// `node dist/bench/_imap-client.js --port=N --user=U --pass=P [--runs=3] [--expect=N] [--fill=N --fill-user=U] [--only=TEXT]`
import { createConnection, type Socket } from 'node:net';

export interface ClientRow {
  name: string;
  /** Best of the runs, in ms (for a rate row: messages per second, the best run). */
  ms: number;
  runs: number[];
  /** FETCH responses or SEARCH hits of the last run. */
  count: number;
  unit?: 'ms' | 'msg/s';
  /** Why the row has no figure (the server refused the command). */
  failed?: string;
}

const FETCH_MARK = Buffer.from(' FETCH (');
const APPEND_BATCH = 100;

interface Reply {
  ms: number;
  fetches: number;
  /** Space-separated items before the tagged line (SEARCH hits + 1). */
  spaces: number;
  tagged: string;
  /** The untagged text, when asked for (small replies only). */
  text: string;
}

/** Varied, realistic headers; an 8-bit subject now and then; threads through In-Reply-To. */
export function benchMessage(i: number): Buffer {
  const subject = i % 11 === 0 ? `Re: Réunion du ${i % 28} janvier` : `Load message number ${i} about =?UTF-8?Q?caf=C3=A9?=`;
  const header = [
    `Date: Mon, ${1 + (i % 28)} Jan 2024 10:${String(i % 60).padStart(2, '0')}:00 +0000`,
    `From: "Sender ${i % 977}" <sender${i % 977}@example.com>`,
    i % 4 === 0 ? 'To: Fred <fred@example.com>, "Team" <team@example.org>' : 'To: fred@example.com',
    i % 3 === 0 ? 'Cc: carol@example.net, "Dave D." <dave@example.net>' : 'X-Filler: none',
    `Subject: ${subject}`,
    `Message-ID: <m${i}@bench.example.com>`,
    i % 5 === 0 ? `In-Reply-To: <m${i - 1}@bench.example.com>` : 'X-Other: 1',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ].join('\r\n');
  const line = 'The quick brown fox jumps over the lazy dog, again and again.\r\n';
  return Buffer.from(`${header}\r\n\r\n${line.repeat(8 + (i % 16))}`);
}

/** Bytes of a chunk kept for the next (a mark cut by the chunk's end is found there). */
const CARRY = 32;
/** The first bytes of a chunk joined to the carry, to find the marks that start in the carry. */
const SEAM = 64;

/** ' FETCH (' at `k` (byte by byte: Buffer.compare's checks cost more than the bytes). */
function isFetchMark(data: Buffer, k: number): boolean {
  if (k + FETCH_MARK.length > data.length) return false;
  for (let j = 0; j < FETCH_MARK.length; j++) if (data[k + j] !== FETCH_MARK[j]) return false;
  return true;
}

/**
 * The `* n FETCH (` lines of `data` whose LF is at a position in [from, to]. Each LF is found by
 * memchr (indexOf of one byte) and the bytes after it compared here: searching for ' FETCH ('
 * itself (a needle search per response) cost the client about 100 ms per 100,000 ENVELOPE lines,
 * more than some servers' work, and the same for every server.
 */
function countFetchLines(data: Buffer, from: number, to: number): number {
  let n = 0;
  let at = data.indexOf(10, from);
  while (at !== -1 && at <= to) {
    if (data[at + 1] === 42 && data[at + 2] === 32) {
      let k = at + 3;
      while (k < data.length && data[k]! >= 48 && data[k]! <= 57) k++;
      if (k > at + 3 && isFetchMark(data, k)) n++;
    }
    at = data.indexOf(10, at + 1);
  }
  return n;
}

/**
 * Reads one reply chunk by chunk without joining the chunks (copying 30 MB of ENVELOPE lines cost
 * the client more than counting them): the tagged line's marker is looked for, FETCH lines are
 * counted, and the last CARRY bytes of each chunk are kept so that a mark cut by a chunk's end is
 * still seen. A line whose LF lies in those bytes is counted with the next chunk (except the
 * carry's first byte, counted with its own chunk).
 */
export class ReplyScanner {
  private carry: Buffer = Buffer.from('\r\n');
  fetches = 0;
  spaces = 0;

  constructor(private readonly marker: Buffer, private readonly countSpaces: boolean) {}

  /** The tagged line (without CRLF) once seen, else null. */
  feed(chunk: Buffer): string | null {
    const keep = this.carry.length;
    const first = keep === CARRY ? 1 : 0;
    const seam = Buffer.concat([this.carry, chunk.subarray(0, SEAM)]);
    const cut = seam.indexOf(this.marker, Math.max(0, keep - this.marker.length + 1));
    // A short chunk, or the marker starting in the carry: join them (a few bytes, or the reply's end).
    const joined = chunk.length < 2 * SEAM || (cut !== -1 && cut < keep);
    const data = joined ? Buffer.concat([this.carry, chunk]) : chunk;
    const own = joined ? keep : 0; // where the new bytes start in data
    if (!joined) this.fetches += countFetchLines(seam, first, keep - 1);
    const end = data.indexOf(this.marker, joined ? Math.max(0, keep - this.marker.length + 1) : 0);
    this.fetches += countFetchLines(data, joined ? first : 0, end === -1 ? data.length - CARRY : end);
    if (this.countSpaces) {
      const stop = end === -1 ? data.length : end;
      for (let i = own; i < stop; i++) if (data[i] === 0x20) this.spaces++;
    }
    if (end !== -1) {
      const lineEnd = data.indexOf('\r\n', end + 2);
      return data.subarray(end + 2, lineEnd === -1 ? data.length : lineEnd).toString('latin1');
    }
    this.carry = data.length > CARRY ? data.subarray(data.length - CARRY) : data;
    return null;
  }
}

/** One connection with a single command in flight at a time; counting happens on the raw chunks. */
class Connection {
  private tagNo = 0;
  private waiting: ((chunk: Buffer) => void) | null = null;
  private greeting: Promise<void>;
  literalPlus = false;

  constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
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

  async login(user: string, pass: string): Promise<void> {
    check(await this.send(`LOGIN ${user} ${pass}`), 'LOGIN');
    const caps = await this.send('CAPABILITY', { text: true });
    this.literalPlus = /LITERAL\+/i.test(caps.text);
  }

  /** Send a command (with literals: the pieces between them and the literals, in order). */
  send(command: string, opts: { countSpaces?: boolean; text?: boolean; literals?: Buffer[]; between?: string[] } = {}): Promise<Reply> {
    const tag = `Z${++this.tagNo}`;
    const marker = Buffer.from(`\r\n${tag} `);
    return new Promise((resolve) => {
      let text = '';
      const scanner = new ReplyScanner(marker, opts.countSpaces === true);
      const literals = opts.literals ?? [];
      let next = 0; // the next literal to send after a continuation request
      const start = performance.now();
      this.waiting = (chunk: Buffer) => {
        if (next < literals.length && !this.literalPlus && chunk.includes('+ ')) {
          this.socket.write(Buffer.concat([literals[next]!, Buffer.from(opts.between![next]!)]));
          next++;
          return;
        }
        if (opts.text) text += chunk.toString('latin1');
        const tagged = scanner.feed(chunk);
        if (tagged !== null) {
          const ms = performance.now() - start;
          this.waiting = null;
          resolve({ ms, fetches: scanner.fetches, spaces: scanner.spaces, text, tagged });
        }
      };
      if (literals.length === 0) this.socket.write(`${tag} ${command}\r\n`);
      else if (this.literalPlus) {
        const parts: Buffer[] = [Buffer.from(`${tag} ${command}`)];
        literals.forEach((l, k) => parts.push(l, Buffer.from(opts.between![k]!)));
        this.socket.write(Buffer.concat(parts));
      } else this.socket.write(`${tag} ${command}`);
    });
  }

  /** MULTIAPPEND messages [from, to) into `mailbox`, APPEND_BATCH per command. */
  async append(mailbox: string, from: number, to: number): Promise<void> {
    for (let at = from; at < to; at += APPEND_BATCH) {
      const messages: Buffer[] = [];
      for (let i = at; i < Math.min(to, at + APPEND_BATCH); i++) messages.push(benchMessage(i));
      const flag = (i: number) => (i % 2 === 0 ? '(\\Seen) ' : i % 7 === 0 ? '(\\Flagged $Work) ' : '');
      const open = (k: number) => `${flag(at + k)}{${messages[k]!.length}${this.literalPlus ? '+' : ''}}\r\n`;
      const between = messages.map((_, k) => (k + 1 < messages.length ? ` ${open(k + 1)}` : '\r\n'));
      check(await this.send(`APPEND ${mailbox} ${open(0)}`, { literals: messages, between }), 'APPEND');
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

class Refused extends Error {}

function check(reply: Reply, what: string): void {
  if (!/^Z\d+ OK/.test(reply.tagged)) throw new Refused(`${what}: ${reply.tagged}`);
}

const number = (text: string, name: string): number => Number(new RegExp(`${name}[ (]+(\\d+)`, 'i').exec(text)?.[1] ?? NaN);

interface Options { port: number; host: string; user: string; pass: string; runs: number; expect: number | null; only: string | null; fill: number; fillUser: string }

async function runClient(options: Options): Promise<ClientRow[]> {
  const { port, host, user, pass, runs } = options;
  const rows: ClientRow[] = [];
  // --only=TEXT[|TEXT...]: the rows whose name holds one of the texts.
  const wanted = (name: string) => options.only === null || options.only.split('|').some((t) => name.includes(t)) || name === 'LOGIN+SELECT';
  /** Time `measure` `runs` times (each returns ms and a count); a refused command leaves the row without figure. */
  const timed = async (name: string, measure: () => Promise<[number, number]>, times = runs): Promise<void> => {
    if (!wanted(name)) return;
    const ms: number[] = [];
    let n = 0;
    try {
      for (let r = 0; r < times; r++) {
        const [t, count] = await measure();
        ms.push(t);
        n = count;
      }
      rows.push({ name, ms: Math.min(...ms), runs: ms, count: n });
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      rows.push({ name, ms: NaN, runs: [], count: 0, failed: err.message });
    }
  };

  // MULTIAPPEND rate: a scratch mailbox of the fill user, made and deleted here.
  if (options.fill > 0 && wanted('MULTIAPPEND fill')) {
    const f = await Connection.open(port, host);
    await f.login(options.fillUser, pass);
    const scratch = `benchfill${process.pid}`;
    await f.send(`DELETE ${scratch}`);
    check(await f.send(`CREATE ${scratch}`), 'CREATE');
    const start = performance.now();
    await f.append(scratch, 0, options.fill);
    const rate = options.fill / ((performance.now() - start) / 1000);
    await f.send(`DELETE ${scratch}`);
    f.close();
    rows.push({ name: 'MULTIAPPEND fill', ms: rate, runs: [rate], count: options.fill, unit: 'msg/s' });
  }

  // The INBOX topped up to the expected size (kept from earlier runs).
  const c = await Connection.open(port, host);
  await c.login(user, pass);
  if (options.expect !== null) {
    const have = number((await c.send('STATUS INBOX (MESSAGES)', { text: true })).text, 'MESSAGES');
    if (have < options.expect) {
      const start = performance.now();
      await c.append('INBOX', have, options.expect);
      console.error(`imap-100k: port ${port}: INBOX topped up from ${have} to ${options.expect} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    }
  }

  // LOGIN+SELECT on a fresh connection each run, from sending LOGIN to SELECT's tagged OK
  await timed('LOGIN+SELECT', async () => {
    const l = await Connection.open(port, host);
    const start = performance.now();
    check(await l.send(`LOGIN ${user} ${pass}`), 'LOGIN');
    check(await l.send('SELECT INBOX'), 'SELECT');
    const ms = performance.now() - start;
    l.close();
    return [ms, 1];
  });

  await c.send('ENABLE CONDSTORE');
  check(await c.send('SELECT INBOX'), 'SELECT');
  const one = (command: string, count: 'fetches' | 'hits' | 'none') => async (): Promise<[number, number]> => {
    const reply = await c.send(command, { countSpaces: count === 'hits' });
    check(reply, command);
    return [reply.ms, count === 'fetches' ? reply.fetches : count === 'hits' ? Math.max(0, reply.spaces - 1) : 0];
  };
  // issue 16
  await timed('STATUS', one('STATUS INBOX (MESSAGES UNSEEN UIDNEXT)', 'none'));
  await timed('UID SEARCH UNSEEN', one('UID SEARCH UNSEEN', 'hits'));
  await timed('SEARCH SUBJECT', one('UID SEARCH SUBJECT "x"', 'hits'));
  await timed('UID FETCH 1:* (UID FLAGS)', one('UID FETCH 1:* (UID FLAGS)', 'fetches'));
  await timed('FETCH 1:* (ENVELOPE)', one('FETCH 1:* (ENVELOPE)', 'fetches'));
  await timed('NOOP', one('NOOP', 'none'), Math.max(runs, 20));
  // The snapshot after one change: another connection (maybe another worker process) appends one
  // message, then this session's next command patches its columns (and its sync tells EXISTS).
  // UID SEARCH DRAFT walks the whole flag column and finds nothing (the bench fill sets no \Draft):
  // the row beside it without the append is the same command on an unchanged mailbox.
  if (wanted('UID SEARCH DRAFT after one APPEND')) {
    const other = await Connection.open(port, host);
    await other.login(user, pass);
    await timed('UID SEARCH DRAFT', one('UID SEARCH DRAFT', 'hits'), Math.max(runs, 10));
    let extra = 0;
    await timed('UID SEARCH DRAFT after one APPEND', async () => {
      await other.append('INBOX', (options.expect ?? 0) + extra, (options.expect ?? 0) + extra + 1);
      extra++;
      return one('UID SEARCH DRAFT', 'hits')();
    }, Math.max(runs, 10));
    // what was appended goes again, so that the mailbox keeps its size for the next run
    check(await other.send('SELECT INBOX'), 'SELECT');
    check(await other.send(`UID STORE ${number((await other.send('STATUS INBOX (UIDNEXT)', { text: true })).text, 'UIDNEXT') - extra}:* +FLAGS.SILENT (\\Deleted)`), 'STORE');
    check(await other.send('EXPUNGE'), 'EXPUNGE');
    other.close();
  }
  // issue 15
  let flip = 0;
  await timed('CHANGEDSINCE (10 changed)', async () => {
    const since = number((await c.send('STATUS INBOX (HIGHESTMODSEQ)', { text: true })).text, 'HIGHESTMODSEQ');
    check(await c.send(`STORE 1:10 ${flip++ % 2 === 0 ? '+' : '-'}FLAGS.SILENT ($BenchMark)`), 'STORE');
    return one(`UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${since})`, 'fetches')();
  });
  await timed('SORT (REVERSE ARRIVAL)', one('SORT (REVERSE ARRIVAL) UTF-8 ALL', 'hits'));
  await timed('SORT (SUBJECT)', one('SORT (SUBJECT) UTF-8 ALL', 'hits'));
  await timed('THREAD REFERENCES', one('THREAD REFERENCES UTF-8 ALL', 'none'));
  await timed('THREAD ORDEREDSUBJECT', one('THREAD ORDEREDSUBJECT UTF-8 ALL', 'none'));
  // Cyrus's and Dovecot's THREAD=REFS (no subject grouping, threads by newest arrival)
  await timed('THREAD REFS', one('THREAD REFS UTF-8 ALL', 'none'));
  await timed('QRESYNC SELECT (100 expunged)', async () => {
    const state = (await c.send('STATUS INBOX (UIDVALIDITY HIGHESTMODSEQ)', { text: true })).text;
    const [uidValidity, modseq] = [number(state, 'UIDVALIDITY'), number(state, 'HIGHESTMODSEQ')];
    check(await c.send('STORE 1:100 +FLAGS.SILENT (\\Deleted)'), 'STORE');
    check(await c.send('EXPUNGE'), 'EXPUNGE');
    const q = await Connection.open(port, host);
    await q.login(user, pass);
    check(await q.send('ENABLE QRESYNC'), 'ENABLE QRESYNC');
    const reply = await q.send(`SELECT INBOX (QRESYNC (${uidValidity} ${modseq}))`);
    check(reply, 'SELECT (QRESYNC)');
    q.close();
    return [reply.ms, 100];
  });
  c.close();
  return rows;
}

function arg(name: string, fallback: string): string {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}

if (process.argv[1]?.endsWith('_imap-client.js')) {
  const options: Options = {
    port: Number(arg('port', '143')),
    host: arg('host', '127.0.0.1'),
    user: arg('user', 'fred'),
    pass: arg('pass', 'pass'),
    runs: Number(arg('runs', '3')),
    expect: arg('expect', '') === '' ? null : Number(arg('expect', '')),
    only: arg('only', '') === '' ? null : arg('only', ''),
    fill: Number(arg('fill', '0')),
    fillUser: arg('fill-user', arg('user', 'fred')),
  };
  try {
    const rows = await runClient(options);
    if (process.send) process.send({ rows });
    else for (const r of rows) console.log(`${r.name}: ${r.failed ?? `${r.ms.toFixed(1)} ${r.unit ?? 'ms'} (runs ${r.runs.map((t) => t.toFixed(1)).join(', ')}; ${r.count})`}`);
    process.exit(0);
  } catch (err) {
    if (process.send) process.send({ error: String(err) });
    else console.error(err);
    process.exit(1);
  }
}

/** A bare client: one command at a time, replies read until the tagged line. */
export class TaggedClient {
  private buffered = '';
  private waiting: ((line: string) => void) | null = null;
  private tag = 0;
  private constructor(private readonly socket: Socket, private readonly tagPrefix: string) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString('latin1');
      this.check();
    });
  }

  private check(): void {
    const prefix = `${this.tagPrefix}${this.tag} `;
    for (let nl = this.buffered.indexOf('\r\n'); nl !== -1; nl = this.buffered.indexOf('\r\n')) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 2);
      if (line.startsWith(prefix) && this.waiting) {
        const done = this.waiting;
        this.waiting = null;
        done(line.slice(prefix.length));
      }
    }
  }

  /** The client side's port (to find the server process holding the other end). */
  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  static async open(port: number, tagPrefix = 'A'): Promise<TaggedClient> {
    const socket = createConnection({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once('data', () => resolve());
      socket.once('error', reject);
    });
    return new TaggedClient(socket, tagPrefix);
  }

  /** Send one command (the pieces already carry LITERAL+ literals); resolves with the tagged status. */
  send(pieces: Array<string | Buffer>): Promise<string> {
    this.tag++;
    const head = `${this.tagPrefix}${this.tag} `;
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(Buffer.concat([Buffer.from(head), ...pieces.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))]));
    });
  }

  async ok(pieces: Array<string | Buffer>, what: string): Promise<void> {
    const status = await this.send(pieces);
    if (!status.startsWith('OK')) throw new Error(`${what}: ${status}`);
  }

  close(): void {
    this.socket.destroy();
  }
}
