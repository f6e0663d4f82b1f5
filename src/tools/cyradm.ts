/**
 * `cyrusts cyradm`: the administrator's shell of Cyrus (cyradm(1)) for sites without Perl. It logs
 * in over IMAP (LOGIN, or AUTHENTICATE PLAIN where LOGIN is disabled) and reads commands from
 * standard input, one or more per line separated by ";", words split as a shell does (quotes keep
 * spaces). Commands and their short names: see cyradm-commands.ts; plus help (?) and exit (quit).
 * The exit status is the last command's (0 when it succeeded), as Cyrus's cyradm.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { AdminClient, quote } from './cyradm-client.js';
import { ADMIN_COMMANDS, runAdminCommand, type AdminSession, type ShellOutput } from './cyradm-commands.js';

export interface CyradmOptions {
  user?: string;
  password?: string;
  port?: string;
  server?: string;
}

export interface CyradmIo extends ShellOutput {
  /** The script or the terminal, line by line. */
  lines: AsyncIterable<string>;
  /** Show a prompt (standard input is a terminal). */
  interactive: boolean;
}

/** A command line as words: ";" separates commands, quotes and backslashes as in sh. */
export function splitCommandLine(line: string): string[][] {
  const commands: string[][] = [[]];
  let word: string | null = null;
  let quoteChar: string | null = null;
  const flush = () => {
    if (word !== null) commands.at(-1)!.push(word);
    word = null;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoteChar !== null) {
      if (c === quoteChar) quoteChar = null;
      else if (c === '\\' && quoteChar === '"' && i + 1 < line.length) word += line[++i]!;
      else word += c;
    } else if (c === '"' || c === "'") {
      quoteChar = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) word = (word ?? '') + line[++i]!;
    else if (c === ';') {
      flush();
      commands.push([]);
    } else if (/\s/.test(c)) flush();
    else word = (word ?? '') + c;
  }
  flush();
  return commands.filter((words) => words.length > 0);
}

async function capabilitiesOf(client: AdminClient): Promise<string[]> {
  const reply = await client.command('CAPABILITY');
  const found: string[] = [];
  for (const response of reply.untagged) {
    if (typeof response[0] === 'string' && response[0].toUpperCase() === 'CAPABILITY') for (const c of response.slice(1)) if (typeof c === 'string') found.push(c);
  }
  return found;
}

async function logIn(client: AdminClient, user: string, password: string): Promise<{ ok: boolean; text: string }> {
  const before = await capabilitiesOf(client);
  const reply = before.some((c) => c.toUpperCase() === 'LOGINDISABLED')
    ? await client.command(`AUTHENTICATE PLAIN ${Buffer.from(`\u0000${user}\u0000${password}`).toString('base64')}`)
    : await client.command(`LOGIN ${quote(user)} ${quote(password)}`);
  return { ok: reply.status === 'OK', text: reply.text };
}

function help(io: ShellOutput): void {
  for (const command of ADMIN_COMMANDS) io.out(`${command.names.join(', ').padEnd(40)} ${command.usage}\n`);
  io.out(`${'help, ?'.padEnd(40)} this list\n${'exit, quit'.padEnd(40)} exit [status]\n`);
}

/** Connect, log in, run the commands of `io.lines`; returns the exit status. */
export async function runCyradm(host: string | undefined, options: CyradmOptions, io: CyradmIo): Promise<number> {
  const server = options.server ?? host ?? 'localhost';
  const port = Number(options.port ?? 143);
  const user = options.user ?? process.env.USER ?? 'cyrus';
  const password = options.password ?? process.env.CYRADM_PASSWORD;
  if (password === undefined) {
    io.err('cyradm: give the password with -w (or CYRADM_PASSWORD)\n');
    return 64;
  }
  let client: AdminClient;
  try {
    client = await AdminClient.connect(server, port);
  } catch (err) {
    io.err(`cyradm: cannot connect to server: ${(err as Error).message}\n`);
    return 69;
  }
  try {
    const login = await logIn(client, user, password);
    if (!login.ok) {
      io.err(`cyradm: cannot authenticate to server as ${user}: ${login.text}\n`);
      return 77;
    }
    const advertised = await capabilitiesOf(client);
    const session: AdminSession = { client, capabilities: new Set(advertised.map((c) => c.toUpperCase())), advertised };
    let status = 0;
    if (io.interactive) io.out(`${server}> `);
    for await (const line of io.lines) {
      for (const words of splitCommandLine(line)) {
        const name = words[0]!.toLowerCase();
        if (name === 'exit' || name === 'quit') return words[1] !== undefined ? Number(words[1]) || 0 : status;
        if (name === 'help' || name === '?') {
          help(io);
          status = 0;
          continue;
        }
        status = (await runAdminCommand(session, words, io)) ? 0 : 1;
      }
      if (io.interactive) io.out(`${server}> `);
    }
    await client.command('LOGOUT').catch(() => undefined);
    return status;
  } catch (err) {
    io.err(`cyradm: ${(err as Error).message}\n`);
    return 75;
  } finally {
    client.close();
  }
}

/** `cyrusts cyradm [-u user] [-w password] [-p port] [--server host | host]`, commands on stdin. */
export const registerCyradm = (program: Command): void => {
  program
    .command('cyradm')
    .description('administer mailboxes and ACLs over IMAP, as Cyrus\'s cyradm (lm lam sam dam cm dm renm lq sq lqr info); commands on stdin')
    .argument('[server]', 'IMAP server host (default localhost)')
    .option('-u, --user <user>', 'userid to log in as (default $USER)')
    .option('-w, --password <password>', 'password (default $CYRADM_PASSWORD)')
    .option('-p, --port <port>', 'IMAP port', '143')
    .option('-s, --server <host>', 'IMAP server host')
    .action(async (host: string | undefined, opts: CyradmOptions) => {
      const lines = createInterface({ input: process.stdin, terminal: false });
      process.exitCode = await runCyradm(host, opts, {
        lines,
        interactive: process.stdin.isTTY === true,
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
      });
      lines.close();
    });
};
