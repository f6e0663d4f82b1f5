// Fuzz run (issue 17): random and mutated commands against every service of the shipped conf/ (imap,
// imaps is left out: same code behind TLS; pop3; lmtp over TCP and over the UNIX socket), bounded in
// time, with a watchdog connection per service that must keep answering. Prints, at the end: commands
// sent per service, crashes (a worker died), hangs (a reply that never came within HANG_MS, or the
// watchdog stalled), error-level log lines (each printed), and the server's largest memory.
// A login may be late by the login penalty (LOGIN_HANG_MS), as the fuzzers' wrong passwords earn it.
// `npm run bench -- fuzz [--minutes=10] [--clients=6] [--seed=N]`
import { createConnection, type Socket } from 'node:net';
import { treeMemoryKiB } from './_master.js';
import { startShipped } from './_shipped.js';

const args = new Map(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  return m ? [m[1]!, m[2]!] as const : [a, ''] as const;
}));
const KNOWN = new Set(['minutes', 'clients', 'seed']);
const unknown = [...args.keys()].filter((k) => !KNOWN.has(k));
if (unknown.length > 0) {
  // --help and any misspelt flag: say how to run it instead of starting a ten-minute run.
  console.error('usage: npm run bench -- fuzz [--minutes=10] [--clients=6] [--seed=N]');
  process.exit(unknown.includes('--help') || unknown.includes('-h') ? 0 : 2);
}
const MINUTES = Number(args.get('minutes') ?? 10);
const CLIENTS = Number(args.get('clients') ?? 6);
const HANG_MS = 10_000;
/**
 * An authentication may wait out the login penalty first (auth_failure_delay_max, 30 s shipped):
 * the fuzzers' own wrong passwords put their address behind it, so a login is late, not hung,
 * until this long.
 */
const LOGIN_HANG_MS = 45_000;
let seed = Number(args.get('seed') ?? Date.now() % 2_147_483_647);
const firstSeed = seed;

/** A small deterministic generator (Park–Miller), so a run can be repeated with --seed. */
function rand(n: number): number {
  seed = (seed * 48_271) % 2_147_483_647;
  return seed % n;
}
const oneOf = <T>(list: readonly T[]): T => list[rand(list.length)]!;

const IMAP = [
  'CAPABILITY', 'NOOP', 'ID ("name" "fuzz")', 'ENABLE CONDSTORE QRESYNC UTF8=ACCEPT', 'NAMESPACE', 'LIST "" "*"', 'LIST "" %',
  'LIST (SUBSCRIBED RECURSIVEMATCH) "" ("*" "%") RETURN (CHILDREN STATUS (MESSAGES SIZE))', 'LSUB "" *', 'SELECT INBOX',
  'EXAMINE INBOX (CONDSTORE)', 'SELECT INBOX (QRESYNC (1 1 1:5))', 'STATUS INBOX (MESSAGES UIDNEXT UNSEEN SIZE HIGHESTMODSEQ)',
  'CREATE fuzz/a', 'CREATE "fuzz/b" (USE (\\Archive))', 'RENAME fuzz/a fuzz/c', 'DELETE fuzz/c', 'SUBSCRIBE fuzz/b', 'UNSUBSCRIBE fuzz/b',
  'FETCH 1:* (FLAGS UID RFC822.SIZE INTERNALDATE)', 'FETCH 1 (BODYSTRUCTURE ENVELOPE BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])',
  'UID FETCH 1:* (BODY.PEEK[1.MIME] BINARY.PEEK[1] BINARY.SIZE[1]) (CHANGEDSINCE 1)', 'FETCH 1 (BODY[]<0.100> RFC822.HEADER)',
  'STORE 1 +FLAGS (\\Seen $Fuzz)', 'STORE 1:* -FLAGS.SILENT (\\Flagged) (UNCHANGEDSINCE 5)', 'UID STORE 1 FLAGS (\\Deleted)',
  'SEARCH OR SUBJECT fuzz FROM "a b" NOT SEEN', 'UID SEARCH RETURN (MIN MAX COUNT ALL) 1:* LARGER 10', 'SEARCH CHARSET UTF-8 TEXT "é"',
  'SORT (REVERSE ARRIVAL SUBJECT) UTF-8 ALL', 'SORT RETURN (COUNT) (DISPLAYFROM) US-ASCII ALL', 'THREAD REFERENCES UTF-8 ALL',
  'THREAD ORDEREDSUBJECT UTF-8 SUBJECT x', 'COPY 1:2 fuzz/b', 'MOVE 1 fuzz/b', 'UID MOVE 1:* INBOX', 'EXPUNGE', 'UID EXPUNGE 1:3',
  'CLOSE', 'UNSELECT', 'CHECK', 'GETACL INBOX', 'SETACL INBOX anyone lr', 'DELETEACL INBOX anyone', 'LISTRIGHTS INBOX anyone',
  'MYRIGHTS INBOX', 'GETQUOTA ""', 'GETQUOTAROOT INBOX', 'SETQUOTA "" (STORAGE 10)', 'IDLE', 'AUTHENTICATE PLAIN',
  'APPEND INBOX (\\Seen) {30+}\r\nSubject: fuzz\r\n\r\nbody line\r\n', 'APPEND INBOX {12+}\r\nSubject: x\r\n (\\Flagged) {9+}\r\nSubject:y',
  'LOGIN fuzz1 pass', 'LOGIN "fuzz1" {4+}\r\npass', 'STARTTLS', 'LOGOUT',
  // RFC 5257 (ANNOTATE-EXPERIMENT-1).
  'FETCH 1:* (ANNOTATION (/comment (value.priv value.shared)))', 'FETCH 1 (ANNOTATION ((/% /vendor/*) (value size)))',
  'STORE 1 ANNOTATION (/comment (value.priv "fuzz" value.shared NIL))', 'UID STORE 1:* ANNOTATION (/vendor/fuzz/x (value.shared {4+}\r\nfuzz))',
  'SEARCH ANNOTATION /comment value "fu"', 'APPEND INBOX ANNOTATION (/comment (value.priv "a")) {12+}\r\nSubject: a\r\n',
];
const POP3 = ['CAPA', 'USER fuzz1', 'PASS pass', 'STAT', 'LIST', 'LIST 1', 'UIDL', 'UIDL 2', 'RETR 1', 'TOP 1 3', 'DELE 1', 'RSET', 'NOOP',
  'APOP fuzz1 0123456789abcdef0123456789abcdef', 'AUTH', 'AUTH PLAIN', 'AUTH PLAIN AGZ1enoxAHBhc3M=', 'STLS', 'LAST', 'QUIT'];
const LMTP = ['LHLO fuzz', 'MAIL FROM:<a@example.org> SIZE=100 BODY=8BITMIME', 'MAIL FROM:<>', 'RCPT TO:<fuzz1>', 'RCPT TO:<fuzz1+INBOX@localhost> NOTIFY=NEVER',
  'RCPT TO:<nosuch>', 'DATA', 'BDAT 10', 'BDAT 0 LAST', 'RSET', 'NOOP', 'VRFY fuzz1', 'STARTTLS', 'AUTH PLAIN', 'HELP', 'QUIT'];
const TOKENS = ['(', ')', '[', ']', '{5}', '{5+}', '~{3+}', '{99999999999}', '{-1}', '"', '\\', '*', '%', 'NIL', '1:*', '$', '0', '-1',
  '4294967296', '<0.10>', 'BODY[', 'BODY[1.2.3.4.5.6.7.8.9]', '\u0000', '\r', '\u00e9', '\u{1F600}', ' ', '  ', 'INBOX', '../..', '/',
  'user/other', '"Other Users/x"', 'UTF-8', 'MODSEQ', '\\Seen', '18446744073709551616', '()', '((((((((((', 'x'.repeat(2000)];

function mutate(line: string): string {
  let out = line;
  const steps = 1 + rand(4);
  for (let i = 0; i < steps; i++) {
    const at = rand(out.length + 1);
    switch (rand(6)) {
      case 0: out = out.slice(0, at) + String.fromCharCode(rand(256)) + out.slice(at + 1); break;
      case 1: out = `${out.slice(0, at)} ${oneOf(TOKENS)} ${out.slice(at)}`; break;
      case 2: out = out.slice(0, at) + out.slice(Math.min(out.length, at + 1 + rand(10))); break;
      case 3: out = out.slice(0, at) + out.slice(at, at + 1 + rand(20)).repeat(1 + rand(5)) + out.slice(at); break;
      case 4: out = out.slice(0, at); break;
      default: out = out.replace(/\d+/, String(rand(3) === 0 ? 4294967295 : rand(100))); break;
    }
  }
  return out.replace(/\r\n$/, '');
}

function randomLine(): string {
  const length = rand(300);
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(rand(4) === 0 ? rand(256) : 32 + rand(95));
  return s;
}

interface Tally { sent: number; connections: number; hangs: string[] }
const tallies = new Map<string, Tally>();
const tally = (service: string): Tally => {
  let t = tallies.get(service);
  if (!t) tallies.set(service, (t = { sent: 0, connections: 0, hangs: [] }));
  return t;
};

/** A connection that collects text and lets the fuzzer wait for a line matching a test. */
class Wire {
  text = '';
  readonly sent: string[] = [];
  /** The last commands sent and the last bytes received, for a hang report. */
  transcript(): string {
    return `sent ${JSON.stringify(this.sent.slice(-4).map((l) => l.slice(0, 80)))} received ${JSON.stringify(this.text.slice(-300))}`;
  }
  closed = false;
  private wake: (() => void) | null = null;
  constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.text += chunk;
      if (this.text.length > 1_000_000) this.text = this.text.slice(-100_000);
      this.wake?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }
  static open(target: string): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const m = /^(.*):(\d+)$/.exec(target);
      const socket = m ? createConnection({ host: m[1], port: Number(m[2]) }) : createConnection(target);
      socket.once('connect', () => resolve(new Wire(socket)));
      socket.once('error', reject);
    });
  }
  /** Wait until `test` finds something in the text since `from`, the socket closes, or `ms` pass. */
  async wait(from: number, test: (text: string) => boolean, ms: number): Promise<'yes' | 'closed' | 'timeout'> {
    const end = Date.now() + ms;
    for (;;) {
      if (test(this.text.slice(from))) return 'yes';
      if (this.closed) return 'closed';
      const left = end - Date.now();
      if (left <= 0) return 'timeout';
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }
  send(text: string): void {
    this.sent.push(text);
    if (this.sent.length > 8) this.sent.shift();
    if (!this.closed) this.socket.write(Buffer.from(text, 'latin1'));
  }
}

function nextLine(corpus: readonly string[]): string {
  const r = rand(10);
  if (r === 0) return randomLine();
  const base = oneOf(corpus);
  return r < 4 ? base : mutate(base);
}

async function imapConnection(target: string, service: string, deadline: number): Promise<void> {
  const t = tally(service);
  const wire = await Wire.open(target);
  t.connections++;
  if ((await wire.wait(0, (s) => s.includes('\r\n'), HANG_MS)) === 'timeout') t.hangs.push(`${service}: no greeting`);
  const script: string[] = [];
  if (rand(10) < 7) script.push('LOGIN fuzz1 pass');
  if (rand(10) < 6) script.push('SELECT INBOX');
  const count = 5 + rand(60);
  for (let i = 0; i < count; i++) script.push(nextLine(IMAP));
  // Once a literal's declared size and the bytes sent disagree, the stream is out of step for good:
  // from then on only the watchdog judges whether the service still answers.
  let inStep = true;
  for (let i = 0; i < script.length && !wire.closed && Date.now() < deadline; i++) {
    const tag = `f${i}`;
    const line = script[i]!;
    const from = wire.text.length;
    wire.send(`${tag} ${line}\r\n`);
    t.sent++;
    const literal = /\{\d+\}\s*$/.test(line) || /\{\d+\+?\}(?!\r\n)/.test(line) || /\{\d+\+?\}\r\n/.test(line);
    const answered = (s: string) => s.includes(`\r\n${tag} `) || s.startsWith(`${tag} `) || /^\+ |\r\n\+ /.test(s) || s.includes('* BYE');
    if (literal) inStep = false;
    if (/^STARTTLS\b/i.test(line)) inStep = false;
    const limit = /^(LOGIN|AUTHENTICATE)\b/i.test(line) ? LOGIN_HANG_MS : HANG_MS;
    const outcome = await wire.wait(from, answered, inStep ? limit : 1500);
    if (outcome === 'timeout' && inStep) t.hangs.push(`${service}: no answer: ${wire.transcript()}`);
    const reply = wire.text.slice(from);
    if (/^\+ |\r\n\+ /.test(reply) && !reply.includes(`${tag} `)) wire.send(rand(2) === 0 ? 'DONE\r\n' : '*\r\n');
  }
  wire.socket.destroy();
}

async function pop3Connection(target: string, deadline: number): Promise<void> {
  const t = tally('pop3');
  const wire = await Wire.open(target);
  t.connections++;
  if ((await wire.wait(0, (s) => s.includes('\r\n'), HANG_MS)) === 'timeout') t.hangs.push('pop3: no greeting');
  const script = rand(10) < 7 ? ['USER fuzz1', 'PASS pass'] : [];
  const count = 5 + rand(40);
  for (let i = 0; i < count; i++) script.push(nextLine(POP3));
  for (const line of script) {
    if (wire.closed || Date.now() > deadline) break;
    const from = wire.text.length;
    wire.send(`${line}\r\n`);
    t.sent++;
    const outcome = await wire.wait(from, (s) => /^(\+OK|-ERR|\+ )/m.test(s), /^(PASS|AUTH|APOP)\b/i.test(line) ? LOGIN_HANG_MS : HANG_MS);
    if (/^\+OK Begin TLS/m.test(wire.text.slice(from))) break;
    if (outcome === 'timeout') t.hangs.push(`pop3: no answer: ${wire.transcript()}`);
    if (/^\+ /m.test(wire.text.slice(from))) {
      // The cancel's own -ERR comes first: the next command's answer is looked for after it.
      const cancelFrom = wire.text.length;
      wire.send('*\r\n');
      if ((await wire.wait(cancelFrom, (s) => /^(\+OK|-ERR)/m.test(s), HANG_MS)) === 'timeout') t.hangs.push(`pop3: no answer to a cancel: ${wire.transcript()}`);
    }
  }
  wire.socket.destroy();
}

async function lmtpConnection(target: string, service: string, deadline: number): Promise<void> {
  const t = tally(service);
  const wire = await Wire.open(target);
  t.connections++;
  if ((await wire.wait(0, (s) => s.includes('\r\n'), HANG_MS)) === 'timeout') t.hangs.push(`${service}: no greeting`);
  const script = ['LHLO fuzz', 'MAIL FROM:<fuzz@example.org>', 'RCPT TO:<fuzz1>'];
  let inStep = true;
  const count = 5 + rand(30);
  for (let i = 0; i < count; i++) script.push(nextLine(LMTP));
  for (const line of script) {
    if (wire.closed || Date.now() > deadline) break;
    const from = wire.text.length;
    wire.send(`${line}\r\n`);
    t.sent++;
    // A BDAT chunk is sent whole when its size is well-formed and small; any other BDAT puts the
    // stream out of step (the server rightly waits for the bytes it announced).
    const bdat = /^BDAT (\d{1,5})( LAST)?$/.exec(line);
    if (bdat) wire.send('x'.repeat(Number(bdat[1])));
    else if (/BDAT/i.test(line)) inStep = false;
    const outcome = await wire.wait(from, (s) => /^\d{3} /m.test(s), inStep ? (/^AUTH\b/i.test(line) ? LOGIN_HANG_MS : HANG_MS) : 1500);
    if (/^220 2\.0\.0 Ready to start TLS/m.test(wire.text.slice(from))) break;
    if (outcome === 'timeout' && inStep) t.hangs.push(`${service}: no answer: ${wire.transcript()}`);
    if (/^354 /m.test(wire.text.slice(from))) {
      const body = Array.from({ length: rand(5) }, () => (rand(3) === 0 ? randomLine() : `Subject: ${mutate('fuzz body')}`)).join('\r\n');
      const at = wire.text.length;
      wire.send(`${body}\r\n.\r\n`);
      if ((await wire.wait(at, (s) => /^\d{3} /m.test(s), HANG_MS)) === 'timeout') t.hangs.push(`${service}: no answer after DATA`);
    }
  }
  wire.socket.destroy();
}

/** A connection per service that must keep answering NOOP while the fuzzers run. */
async function watchdog(target: string, service: string, deadline: number, kind: 'imap' | 'pop3' | 'lmtp'): Promise<number> {
  let worst = 0;
  while (Date.now() < deadline) {
    try {
      const wire = await Wire.open(target);
      await wire.wait(0, (s) => s.includes('\r\n'), HANG_MS);
      while (!wire.closed && Date.now() < deadline) {
        const from = wire.text.length;
        const start = Date.now();
        wire.send(kind === 'imap' ? 'w NOOP\r\n' : 'NOOP\r\n');
        const ok = await wire.wait(from, (s) => (kind === 'imap' ? s.includes('w ') : /^(\+OK|-ERR|\d{3} )/m.test(s)), HANG_MS);
        worst = Math.max(worst, Date.now() - start);
        if (ok === 'timeout') tally(service).hangs.push(`${service}: watchdog NOOP stalled ${HANG_MS} ms`);
        if (ok !== 'yes') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      wire.socket.destroy();
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return worst;
}

async function main(): Promise<void> {
  const errors: string[] = [];
  let crashes = 0;
  const server = await startShipped({
    users: ['fuzz1'],
    password: 'pass',
    loglevel: 'info',
    editCyrusConf: (text) => text.replace(/(lmtp\s+cmd=")lmtpd"/, '$1lmtpd -a"'),
    onLogLine: (line) => {
      let entry: { level?: number; msg?: string } = {};
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        errors.push(line);
        return;
      }
      if (entry.msg === 'worker died, restarting') crashes++;
      if ((entry.level ?? 0) >= 50) errors.push(line);
    },
  });
  const deadline = Date.now() + MINUTES * 60_000;
  const targets = [
    ['imap', server.listening.get('imap')!, (d: number) => imapConnection(server.listening.get('imap')!, 'imap', d)],
    ['pop3', server.listening.get('pop3')!, (d: number) => pop3Connection(server.listening.get('pop3')!, d)],
    ['lmtp', server.listening.get('lmtp')!, (d: number) => lmtpConnection(server.listening.get('lmtp')!, 'lmtp', d)],
    ['lmtpunix', server.listening.get('lmtpunix')!, (d: number) => lmtpConnection(server.listening.get('lmtpunix')!, 'lmtpunix', d)],
  ] as const;
  console.log(`fuzz: ${MINUTES} min, ${CLIENTS} clients per service, seed ${firstSeed}; ${targets.map(([n, a]) => `${n} ${a}`).join(', ')}`);
  let peakPss = 0;
  const sampler = setInterval(() => {
    peakPss = Math.max(peakPss, treeMemoryKiB(server.master.pid!).pss);
  }, 2000);
  const progress = process.stdout.isTTY ? setInterval(() => {
    const sent = [...tallies.values()].reduce((s, t) => s + t.sent, 0);
    process.stdout.write(`\rfuzz: ${Math.round((deadline - Date.now()) / 1000)} s left, ${sent} commands, ${crashes} crashes, ${errors.length} error lines   `);
  }, 1000) : null;
  const watchdogs = targets.map(([name, address]) => watchdog(address, `${name} watchdog`, deadline, name.startsWith('lmtp') ? 'lmtp' : name as 'imap' | 'pop3'));
  await Promise.all(targets.flatMap(([name, , run]) => Array.from({ length: CLIENTS }, async () => {
    while (Date.now() < deadline) {
      try {
        await run(deadline);
      } catch (err) {
        tally(name).hangs.push(`${name}: cannot connect: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })));
  const worst = await Promise.all(watchdogs);
  clearInterval(sampler);
  if (progress) clearInterval(progress);
  if (progress) process.stdout.write('\n');
  await server.stop();
  let hangs = 0;
  for (const [name, t] of tallies) {
    hangs += t.hangs.length;
    console.log(`fuzz: ${name.padEnd(18)} ${t.sent} commands over ${t.connections} connections, ${t.hangs.length} hangs`);
    for (const h of t.hangs.slice(0, 5)) console.log(`fuzz:   hang: ${h}`);
  }
  targets.forEach(([name], i) => console.log(`fuzz: ${name} watchdog slowest NOOP ${worst[i]} ms`));
  for (const e of errors.slice(0, 20)) console.log(`fuzz:   error line: ${e.slice(0, 400)}`);
  console.log(`fuzz: seed ${firstSeed}: ${crashes} crashes, ${hangs} hangs, ${errors.length} error-level log lines, peak server PSS ${(peakPss / 1024).toFixed(0)} MiB`);
  process.exit(crashes + hangs + errors.length === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});
