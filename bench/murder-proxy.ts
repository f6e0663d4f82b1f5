// Figure: what the Murder frontend costs. One backend (127.0.0.1, its own ports), a frontend whose
// mupdate slave mirrors a mupdate master, all three masters on temp copies of the shipped conf/
// (scrypt cost, fsync on) with the Murder settings of conf/murder/ added. In alternating rounds,
// the same work straight to the backend and through the frontend:
//   LMTP: postfix's smtp-source, N × 4 KB to one user over 10 reused sessions (msg/s);
//   IMAP: LOGIN, SELECT INBOX, FETCH 1:* (FLAGS), FETCH 1:100 (BODY.PEEK[]) of that user (ms, median).
//   node dist/bench/murder-proxy.js [messages] [rounds]
import { percentile } from './_master.js';
import { smtpSource } from './_lmtp-client.js';
import { TaggedClient } from './_imap-client.js';
import { startShipped, type ShippedServer } from './_shipped.js';

const messages = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 3);
const PASSWORD = 'pass';
const USER = 'murderbench';

/** imapd.conf's `key: value` set to `value` (replaced when present, else added). */
function setOption(text: string, key: string, value: string): string {
  const re = new RegExp(`^${key}: .*$`, 'm');
  return re.test(text) ? text.replace(re, `${key}: ${value}`) : `${text}\n${key}: ${value}\n`;
}

function withOptions(options: Record<string, string>): (text: string) => string {
  return (text) => Object.entries(options).reduce((t, [k, v]) => setOption(t, k, v), text);
}

async function imapRound(port: number): Promise<Record<string, number>> {
  const times: Record<string, number> = {};
  const timed = async (what: string, fn: () => Promise<void>): Promise<void> => {
    const start = performance.now();
    await fn();
    times[what] = performance.now() - start;
  };
  const c = await TaggedClient.open(port);
  try {
    await timed('LOGIN', () => c.ok([`LOGIN ${USER} ${PASSWORD}\r\n`], 'LOGIN'));
    await timed('SELECT', () => c.ok(['SELECT INBOX\r\n'], 'SELECT'));
    await timed('FETCH 1:* (FLAGS)', () => c.ok(['FETCH 1:* (FLAGS)\r\n'], 'FETCH FLAGS'));
    await timed('FETCH 1:100 (BODY.PEEK[])', () => c.ok(['FETCH 1:100 (BODY.PEEK[])\r\n'], 'FETCH BODY'));
    await c.ok(['LOGOUT\r\n'], 'LOGOUT').catch(() => undefined);
  } finally {
    c.close();
  }
  return times;
}

async function main(): Promise<void> {
  const servers: ShippedServer[] = [];
  try {
    const mupdate = await startShipped({
      users: ['murder'], password: PASSWORD,
      editCyrusConf: (t) => t.replace(/SERVICES\s*\{[^}]*\}/, 'SERVICES {\n\tmupdate\tcmd="mupdate -m" listen="127.0.0.1:0" prefork=1\n}'),
      editImapdConf: withOptions({ admins: 'murder', servername: 'mupdate.bench' }),
    });
    servers.push(mupdate);
    const murder = { mupdate_server: '127.0.0.1', mupdate_port: String(mupdate.port('mupdate')), mupdate_authname: 'murder', mupdate_password: PASSWORD };
    // The backend's lmtp asks for AUTH (the frontend logs in as the proxy user); the direct runs use
    // a second, preauthorized lmtpd (-a), as an MTA on a trusted address would.
    const backend = await startShipped({
      users: ['murder', 'proxy', USER], password: PASSWORD,
      editCyrusConf: (t) => t.replace(/SERVICES\s*\{/, 'SERVICES {\n\tlmtpdirect\tcmd="lmtpd -a" listen="127.0.0.1:0" prefork=1'),
      editImapdConf: withOptions({ ...murder, servername: '127.0.0.1', proxyservers: 'proxy', admins: 'admin murder' }),
    });
    servers.push(backend);
    const frontend = await startShipped({
      users: [USER], password: PASSWORD,
      editCyrusConf: (t) => t.replace(/SERVICES\s*\{/, 'SERVICES {\n\tmupdate\tcmd="mupdate" listen="127.0.0.1:0" prefork=1').replace(/(lmtp\s+cmd=")lmtpd"/, '$1lmtpd -a"'),
      editImapdConf: withOptions({
        ...murder, servername: 'frontend.bench', proxy_authname: 'proxy', proxy_password: PASSWORD, serverlist: '127.0.0.1',
        murder_imap_port: String(backend.port('imap')), murder_pop3_port: String(backend.port('pop3')), murder_lmtp_port: String(backend.port('lmtp')),
      }),
    });
    servers.push(frontend);
    // The user's first login on the frontend makes the INBOX on the backend.
    const first = await TaggedClient.open(frontend.port('imap'));
    await first.ok([`LOGIN ${USER} ${PASSWORD}\r\n`], 'first LOGIN');
    first.close();

    const targets = [
      { label: 'backend directly', imap: backend.port('imap'), lmtp: backend.port('lmtpdirect') },
      { label: 'through the frontend', imap: frontend.port('imap'), lmtp: frontend.port('lmtp') },
    ];
    const lmtpRates = new Map<string, number[]>(targets.map((t) => [t.label, []]));
    const imapTimes = new Map<string, Array<Record<string, number>>>(targets.map((t) => [t.label, []]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const run = smtpSource(target.lmtp, `${USER}@localhost`, messages, 10, true);
        if (!run.ok) throw new Error(`smtp-source against ${target.label}: ${run.error}`);
        lmtpRates.get(target.label)!.push(run.rate);
        console.log(`round ${round + 1} LMTP ${target.label}: ${run.rate.toFixed(0)} msg/s`);
      }
      for (const target of order) {
        for (let i = 0; i < 3; i++) imapTimes.get(target.label)!.push(await imapRound(target.imap));
      }
    }
    console.log(`\n${messages} × 4 KB per LMTP run, ${rounds} rounds, alternating; IMAP: medians of ${rounds * 3} sessions`);
    for (const target of targets) {
      const rates = lmtpRates.get(target.label)!.sort((a, b) => a - b);
      const rows = imapTimes.get(target.label)!;
      const med = (key: string) => percentile(rows.map((r) => r[key]!).sort((a, b) => a - b), 50).toFixed(2);
      console.log(`${target.label}: LMTP ${rates.map((r) => r.toFixed(0)).join(' / ')} msg/s; LOGIN ${med('LOGIN')} ms, SELECT ${med('SELECT')} ms, FETCH 1:* (FLAGS) ${med('FETCH 1:* (FLAGS)')} ms, FETCH 1:100 (BODY.PEEK[]) ${med('FETCH 1:100 (BODY.PEEK[])')} ms`);
    }
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
