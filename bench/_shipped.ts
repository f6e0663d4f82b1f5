// A temp copy of the shipped conf/ (the settings `npm start` runs: scrypt cost, fsync, cyrus.conf),
// with every listener on an ephemeral loopback port, its data under the temp dir, and the master
// started on it. Benches that compare with the peers start us this way.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
export const CLI = join(here, '..', 'bin', 'cyrusts.js');

export interface ShippedServer {
  dir: string;
  imapdConf: string;
  cyrusConf: string;
  /** Service name → "host:port" (or socket path), as the master announced it. */
  listening: Map<string, string>;
  master: ChildProcess;
  port(service: string): number;
  stop(): Promise<void>;
}

/** CYRUSTS_BENCH_CONF="name: value; ...": more imapd.conf lines for the benches' server, for an A/B of one setting. */
export function benchConfLines(): string[] {
  return process.env.CYRUSTS_BENCH_CONF?.split(';').map((line) => line.trim()).filter((line) => line !== '') ?? [];
}

/** How long a build that does not announce its workers' readiness is given after it listens. */
const OLDER_BUILD_START_MS = 10_000;

/**
 * Copy conf/ into a temp dir, apply `edit` to cyrus.conf's text (after the ports became ephemeral),
 * set the given users' passwords with the shipped cost, start the master and wait for its listeners.
 */
export async function startShipped(opts: {
  users: string[];
  password: string;
  editCyrusConf?: (text: string) => string;
  /** Applied to imapd.conf's text after the loglevel (e.g. a Murder role's settings). */
  editImapdConf?: (text: string) => string;
  loglevel?: string;
  /** Each JSON log line of the master and its workers (stderr is inherited when not given). */
  onLogLine?: (line: string) => void;
  /** Another build's bin/cyrusts.js (an A/B against another tree's dist/); this one's by default. */
  cli?: string;
}): Promise<ShippedServer> {
  const cli = opts.cli ?? CLI;
  const dir = mkdtempSync(join(tmpdir(), 'cyrusts-shipped-'));
  cpSync(join(repo, 'conf'), join(dir, 'conf'), { recursive: true });
  for (const sub of ['imap/socket', 'spool', 'tls']) mkdirSync(join(dir, 'var', sub), { recursive: true });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'var', 'tls', 'server.key'),
    '-out', join(dir, 'var', 'tls', 'server.pem'), '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  const cyrusConf = join(dir, 'conf', 'cyrus.conf');
  const ephemeral = readFileSync(cyrusConf, 'utf8').replace(/listen="127\.0\.0\.1:\d+"/g, 'listen="127.0.0.1:0"');
  const finalConf = (opts.editCyrusConf ?? ((t) => t))(ephemeral);
  writeFileSync(cyrusConf, finalConf);
  const services = /SERVICES\s*\{([^}]*)\}/.exec(finalConf)?.[1]?.split('\n').filter((l) => /^\s*\w+\s+cmd=/.test(l)).length ?? 1;
  const imapdConf = join(dir, 'conf', 'imapd.conf');
  const imapdText = readFileSync(imapdConf, 'utf8').replace(/^loglevel: .*$/m, `loglevel: ${opts.loglevel ?? 'warn'}`);
  writeFileSync(imapdConf, (opts.editImapdConf ?? ((t) => t))(imapdText) + benchConfLines().map((line) => `${line}\n`).join(''));
  for (const user of opts.users) {
    execFileSync(process.execPath, [cli, 'saslpasswd', '-C', imapdConf, '-p', '-c', user], { input: `${opts.password}\n`, stdio: ['pipe', 'ignore', 'inherit'] });
  }
  const master = spawn(process.execPath, [cli, 'master', '-C', imapdConf, '-M', cyrusConf, '-D'], {
    stdio: ['ignore', 'pipe', opts.onLogLine ? 'pipe' : 'inherit'],
    env: { ...process.env, CYRUSTS_LOG_JSON: '1' },
  });
  if (opts.onLogLine) {
    const onLine = opts.onLogLine;
    let pending = '';
    master.stderr!.setEncoding('utf8');
    master.stderr!.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
  }
  const listening = new Map<string, string>();
  let olderTimer: NodeJS.Timeout | null = null;
  await new Promise<void>((resolve, reject) => {
    let text = '';
    master.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      for (const m of text.matchAll(/^(\S+) \(\w+\) listening on (.+)$/gm)) listening.set(m[1]!, m[2]!);
      // Every worker ready too: connections made earlier would all stay on the first worker up.
      const ready = new Set([...text.matchAll(/^(\S+) \(\w+\) ready: /gm)].map((m) => m[1]));
      if (listening.size >= services && ready.size >= services) resolve();
      // An older build (--cli) says nothing when its workers are ready: give them time to start.
      else if (listening.size >= services && opts.cli !== undefined && !olderTimer) olderTimer = setTimeout(resolve, OLDER_BUILD_START_MS);
    });
    master.once('exit', (code) => reject(new Error(`master exited with ${code}`)));
  });
  if (olderTimer) clearTimeout(olderTimer);
  await new Promise((r) => setTimeout(r, 500));
  return {
    dir,
    imapdConf,
    cyrusConf,
    listening,
    master,
    port(service: string): number {
      const address = listening.get(service);
      if (!address) throw new Error(`service ${service} is not listening`);
      return Number(address.slice(address.lastIndexOf(':') + 1));
    },
    async stop() {
      master.kill('SIGTERM');
      await new Promise((r) => master.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A server a comparing bench talks to: its label in the output and its IMAP port. */
export interface BenchTarget {
  label: string;
  port: number;
}

/**
 * The servers of a bench that compares in alternating rounds: ours (the shipped settings), then,
 * from the command line, a copy of ours with one more environment variable (`--env=NAME=VALUE`),
 * another build (`--cli=PATH/dist/bin/cyrusts.js`), and the reference peers (Dovecot 2.3 on 24301,
 * Cyrus 3.6 on 14301) unless `--peers=none`. `servers` are the ones started here, to stop.
 */
export async function startTargets(user: string, password: string, args: { env?: string; cli?: string; peers?: string }): Promise<{ servers: ShippedServer[]; targets: BenchTarget[] }> {
  const servers: ShippedServer[] = [];
  const targets: BenchTarget[] = [];
  const add = (server: ShippedServer, label: string): void => {
    servers.push(server);
    targets.push({ label, port: server.port('imap') });
  };
  try {
    add(await startShipped({ users: [user], password }), 'ours');
    if (args.env !== undefined) {
      const name = args.env.slice(0, args.env.indexOf('='));
      const before = process.env[name];
      process.env[name] = args.env.slice(args.env.indexOf('=') + 1);
      try {
        add(await startShipped({ users: [user], password }), `ours ${args.env}`);
      } finally {
        if (before === undefined) delete process.env[name];
        else process.env[name] = before;
      }
    }
    if (args.cli !== undefined) add(await startShipped({ users: [user], password, cli: args.cli }), 'other build');
  } catch (err) {
    for (const s of servers) await s.stop();
    throw err;
  }
  if (args.peers !== 'none') targets.push({ label: 'Dovecot 2.3', port: 24301 }, { label: 'Cyrus 3.6', port: 14301 });
  return { servers, targets };
}
