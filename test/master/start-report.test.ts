import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, LineClient, RunningMaster, isAlive, tempServer, type TempServer } from './helpers.js';

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `cyrusts ARGS` to its end (the background master it may leave does not hold our pipes). */
function run(args: string[]): Promise<Outcome> {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CYRUSTS_LOG_JSON: '1' } });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    proc.on('error', reject);
    proc.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

async function waitUntil(what: string, test: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const GOOD = 'SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0"\n}\n';
const NO_LISTEN = 'SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0"\n  pop3 cmd="pop3d"\n}\n';

let server: TempServer | undefined;
let backgroundPid: number | undefined;
let foreground: RunningMaster | undefined;

afterEach(async () => {
  if (backgroundPid !== undefined && isAlive(backgroundPid)) {
    process.kill(backgroundPid, 'SIGTERM');
    await waitUntil('the background master to exit', () => !isAlive(backgroundPid!)).catch(() => process.kill(backgroundPid!, 'SIGKILL'));
  }
  backgroundPid = undefined;
  await foreground?.stop();
  foreground = undefined;
  server?.cleanup();
  server = undefined;
});

describe('master without -D reports how the start went', () => {
  it('a bad cyrus.conf: exit 78, the file:line error on stderr, nothing left running', async () => {
    server = tempServer(NO_LISTEN);
    const outcome = await run(['master', '-C', server.imapdConf, '-M', server.cyrusConf]);
    expect(outcome.stderr).toContain(`${server.cyrusConf}:3: SERVICES pop3: listen="..." is required`);
    expect(outcome.stdout).not.toMatch(/started/);
    expect(outcome.code).toBe(78);
    expect(readFileSync(join(server.dir, 'conf', 'log', 'master.log'), 'utf8')).toContain('master cannot start');
  });

  it('a good configuration: exit 0 once it listens, the master serves, SIGTERM stops it', async () => {
    server = tempServer(GOOD);
    const outcome = await run(['master', '-C', server.imapdConf, '-M', server.cyrusConf]);
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    const started = /^master started in the background, pid (\d+), log in (.+)$/m.exec(outcome.stdout);
    expect(started).not.toBeNull();
    backgroundPid = Number(started![1]);
    expect(started![2]).toBe(join(server.dir, 'conf', 'log', 'master.log'));
    expect(isAlive(backgroundPid)).toBe(true);
    expect(readFileSync(join(server.dir, 'conf', 'master.pid'), 'utf8').trim()).toBe(String(backgroundPid));
    const address = /^imap \(imapd\) listening on (.+)$/m.exec(outcome.stdout)![1]!;
    const client = await LineClient.connect(address);
    await client.line(/^\* OK /);
    client.close();

    // A second start finds the pid file held by a live master: 75 and the reason.
    const second = await run(['master', '-C', server.imapdConf, '-M', server.cyrusConf]);
    expect(second.stderr).toContain(`another master (pid ${backgroundPid}) is running`);
    expect(second.code).toBe(75);
    expect(isAlive(backgroundPid)).toBe(true);

    process.kill(backgroundPid, 'SIGTERM');
    await waitUntil('the background master to exit', () => !isAlive(backgroundPid!));
  });
});

describe('a bad imapd.conf value stops the master', () => {
  const BAD_LINE = 'serverinfo: loud';

  it('with -D: exit 78, file:line, option and the allowed words on stderr', async () => {
    server = tempServer(GOOD, `${BAD_LINE}\n`);
    foreground = RunningMaster.start(server);
    expect(await foreground.exited).toBe(78);
    const text = foreground.logs.map((l) => l.msg).join('\n');
    expect(text).toContain(`${server.imapdConf}:7: serverinfo: bad value "loud": expected one of: off, min, on`);
    expect(foreground.stdout.join('\n')).not.toMatch(/listening/);
  });

  it('without -D: exit 78 with the same message, no master in the background', async () => {
    server = tempServer(GOOD);
    writeFileSync(server.imapdConf, `${readFileSync(server.imapdConf, 'utf8')}maxlinelength: 12X\n`);
    const outcome = await run(['master', '-C', server.imapdConf, '-M', server.cyrusConf]);
    expect(outcome.stderr).toContain(`${server.imapdConf}:7: maxlinelength: bad value "12X": expected a size`);
    expect(outcome.stdout).toBe('');
    expect(outcome.code).toBe(78);
  });
});
