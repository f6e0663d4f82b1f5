/**
 * Differential run against the reference peers: the same command sequences, after APPENDing the same
 * messages, to our server (started here, in this process, as the wire tests start it), Cyrus 3.6
 * and Dovecot 2.3 (/work/shared/peers), and prints where the normalised answers differ.
 *
 *   npx vite-node test/imap/peer-diff/run.ts [--verbose] [probe-name-part ...]
 *
 * Not a test: CI runs no peers. Start them with /work/shared/peers (cyrus-up.sh, dovecot-up.sh).
 * Each probe (probes.ts) starts from a clean account (user45, user46 on the peers: every mailbox
 * but INBOX deleted, INBOX emptied, subscriptions dropped), creates the mailbox `t`, appends its
 * messages there and selects it; steps run in up to three sessions, IDLE steps included. What may
 * legitimately differ is normalised away (normalise.ts). Each step prints `=` (all agree, with
 * --verbose), `~` (ours agrees with Cyrus, Dovecot differs) or `≠` (ours differs from Cyrus), with
 * the servers grouped by answer. A server that hangs up gets a new session in the same state.
 * PEER_CYRUS_PORT / PEER_DOVECOT_PORT move the peers; PEER_SKIP=dovecot (or cyrus) leaves one out.
 */
import { startTestServer, type TestServer } from '../harness.js';
import { PeerClient, type CommandParts } from './client.js';
import { normaliseResponses, showCommand } from './normalise.js';
import { PROBES, type Probe, type Step } from './probes.js';

interface Target {
  label: string;
  port: number;
}

const USERS = ['user45', 'user46'];

type IdleStep = Extract<Step, { idle: unknown }>;

function stepOf(step: Step): { session: number; command: string | CommandParts; idle?: IdleStep } {
  if (typeof step === 'string' || Array.isArray(step)) return { session: 0, command: step };
  if ('idle' in step) return { session: step.session ?? 0, command: `IDLE (${step.idle.map((s) => `[s${s.session}] ${showCommand(s.command)}`).join('; ')})`, idle: step };
  return step;
}

async function login(port: number, user: string): Promise<PeerClient> {
  const client = await PeerClient.connect(port);
  const { lines } = await client.command(`LOGIN ${user} pass`);
  if (!/^\S+ OK/.test(lines[lines.length - 1]!)) throw new Error(`LOGIN ${user} on ${port}: ${lines.join(' | ')}`);
  return client;
}

/** Every mailbox but INBOX deleted (children first), INBOX emptied, subscriptions dropped. */
async function cleanAccount(client: PeerClient): Promise<void> {
  await client.command('UNSELECT').catch(() => undefined);
  const names = (lines: string[], verb: string): string[] =>
    lines
      .filter((l) => l.startsWith(`* ${verb} `))
      .map((l) => {
        const m = /^\* \w+ \([^)]*\) (?:NIL|"(?:[^"\\]|\\.)*") (.*)$/.exec(l)!;
        const raw = m[1]!;
        return raw.startsWith('"') ? (JSON.parse(raw) as string) : raw.includes('}\r\n') ? raw.slice(raw.indexOf('}\r\n') + 3) : raw;
      });
  const subscribed = names((await client.command('LSUB "" "*"')).lines, 'LSUB');
  for (const name of subscribed) await client.command(`UNSUBSCRIBE ${JSON.stringify(name)}`);
  const all = names((await client.command('LIST "" "*"')).lines, 'LIST').filter((n) => n.toUpperCase() !== 'INBOX');
  all.sort((a, b) => b.split('/').length - a.split('/').length || b.localeCompare(a));
  for (const name of all) await client.command(`DELETE ${JSON.stringify(name)}`);
  await client.command('SELECT INBOX');
  await client.command('STORE 1:* +FLAGS.SILENT (\\Deleted)');
  await client.command('EXPUNGE');
  await client.command('UNSELECT');
}

const BASE_DATE = Date.UTC(2023, 6, 17, 10, 0, 0);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function imapDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

interface Transcript {
  setup: string[];
  steps: string[][];
}

async function runProbe(target: Target, probe: Probe): Promise<Transcript> {
  const sessions: PeerClient[] = [];
  try {
    const main = await login(target.port, USERS[0]!);
    sessions.push(main);
    const other = await login(target.port, USERS[1]!);
    await cleanAccount(main);
    await cleanAccount(other);
    other.close();
    const setup: string[] = [];
    const record = (tag: string, lines: string[]): void => {
      setup.push(...normaliseResponses(lines, tag));
    };
    for (const name of ['t', ...(probe.mailboxes ?? [])]) {
      const { tag, lines } = await main.command(`CREATE ${JSON.stringify(name)}`);
      record(tag, lines);
    }
    let n = 0;
    for (const entry of probe.messages ?? []) {
      const message = Buffer.isBuffer(entry) ? { content: entry } : entry;
      const date = message.date ?? imapDate(BASE_DATE + 60_000 * n++);
      const { tag, lines } = await main.command([`APPEND ${JSON.stringify(message.mailbox ?? 't')} (${message.flags ?? ''}) "${date}" `, message.content]);
      record(tag, lines);
    }
    if (!probe.noSelect) await main.command('SELECT t');
    const steps: string[][] = [];
    const sessionFor = async (session: number): Promise<PeerClient> => {
      while (sessions.length <= session) sessions.push(await login(target.port, sessions.length === 2 ? USERS[1]! : USERS[0]!));
      return sessions[session]!;
    };
    for (const step of probe.steps) {
      const { session, command, idle } = stepOf(step);
      const client = await sessionFor(session);
      try {
        if (idle) for (const s of idle.idle) await sessionFor(s.session);
        const { tag, lines } = idle
          ? await client.idle(async () => {
              for (const s of idle.idle) await sessions[s.session]!.command(s.command);
            }, idle.settleMs ?? 1200)
          : await client.command(command);
        steps.push(normaliseResponses(lines, tag, command));
      } catch (error) {
        steps.push([`!! ${(error as Error).message.slice(0, 60)}`]);
        // The server hung up (or stalled): go on with a new connection in the same state.
        sessions[session]!.close();
        sessions[session] = await login(target.port, session === 2 ? USERS[1]! : USERS[0]!);
        if (session === 0 && !probe.noSelect) await sessions[0]!.command('SELECT t');
      }
    }
    return { setup, steps };
  } finally {
    for (const s of sessions) s.close();
  }
}

/**
 * Untagged responses in one order: servers may order them freely (SELECT's data, LIST's names),
 * except EXPUNGE and FETCH after an EXPUNGE (numbers shift), which keep theirs.
 */
function orderFree(lines: string[]): string {
  if (lines.some((l) => / EXPUNGE$/.test(l)) || lines.some((l) => l.startsWith('* STATUS '))) return lines.join('\n');
  const tagged = lines.filter((l) => !l.startsWith('* '));
  return [...lines.filter((l) => l.startsWith('* ')).sort(), ...tagged].join('\n');
}

function groups(labels: string[], answers: string[][]): Array<{ labels: string[]; lines: string[] }> {
  const out: Array<{ labels: string[]; lines: string[] }> = [];
  labels.forEach((label, i) => {
    const key = orderFree(answers[i]!);
    const same = out.find((g) => orderFree(g.lines) === key);
    if (same) same.labels.push(label);
    else out.push({ labels: [label], lines: answers[i]! });
  });
  return out;
}

function printCompare(title: string, labels: string[], answers: string[][], verbose: boolean): boolean {
  const g = groups(labels, answers);
  if (g.length === 1) {
    if (verbose) {
      console.log(`  = ${title}`);
      for (const line of g[0]!.lines) console.log(`      ${line}`);
    }
    return false;
  }
  const oursWithCyrus = g.some((x) => x.labels.includes('ours') && x.labels.includes('cyrus'));
  console.log(`  ${oursWithCyrus ? '~' : '≠'} ${title}`);
  for (const x of g) {
    console.log(`    [${x.labels.join(' ')}]`);
    for (const line of x.lines) console.log(`      ${line}`);
  }
  return true;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const verbose = args.includes('--verbose');
  const filters = args.filter((a) => !a.startsWith('--'));
  const skip = new Set((process.env.PEER_SKIP ?? '').split(',').filter(Boolean));
  // The probes send many bad commands on purpose: ours would end the session after 25 (Dovecot after 20).
  const ours: TestServer = await startTestServer({ users: USERS, conf: ['imap_max_bad_commands: 100000'] });
  const targets: Target[] = [
    { label: 'ours', port: ours.port },
    { label: 'cyrus', port: Number(process.env.PEER_CYRUS_PORT ?? 14301) },
    { label: 'dovecot', port: Number(process.env.PEER_DOVECOT_PORT ?? 24301) },
  ].filter((t) => !skip.has(t.label));
  const labels = targets.map((t) => t.label);
  let differing = 0;
  try {
    for (const probe of PROBES) {
      if (filters.length > 0 && !filters.some((f) => probe.name.includes(f))) continue;
      console.log(`# ${probe.name}`);
      const transcripts = await Promise.all(targets.map((t) => runProbe(t, probe)));
      printCompare('(setup: CREATE, APPEND)', labels, transcripts.map((t) => t.setup), verbose);
      probe.steps.forEach((step, i) => {
        const { session, command } = stepOf(step);
        const title = `${session ? `[s${session}] ` : ''}${showCommand(command)}`;
        if (printCompare(title, labels, transcripts.map((t) => t.steps[i]!), verbose)) differing++;
      });
    }
  } finally {
    await ours.close();
  }
  console.log(`\n${differing} differing step(s); "~" = ours agrees with Cyrus, "≠" = ours differs from Cyrus`);
}

await main();
