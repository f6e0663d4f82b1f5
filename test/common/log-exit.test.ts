// A process whose log reader has gone away, or stopped reading, still exits: pino flushes its
// buffered lines synchronously at exit, and sonic-boom's flush retried a broken pipe (EPIPE) for
// ever, so a master told to stop hung when its stderr reader had died (boundExitFlush in
// src/common/log.ts). Runs the built logger (dist/) in a child process.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const LOG_JS = fileURLToPath(new URL('../../dist/src/common/log.js', import.meta.url));

/** Start a child that logs `lines` lines, waits for "go" on stdin, logs `more` lines and exits. */
function child(lines: number, more: number) {
  const script = `
    const { createLogger } = await import(${JSON.stringify(LOG_JS)});
    const log = createLogger({ name: 'exit-test', pretty: false });
    for (let i = 0; i < ${lines}; i++) log.info({ i, pad: 'x'.repeat(100) }, 'before');
    process.stdin.once('data', () => {
      for (let i = 0; i < ${more}; i++) log.info({ i }, 'after');
      process.stdout.write('exiting\\n');
      process.exit(0);
    });
    process.stdout.write('ready\\n');`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve) => proc.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
  return { proc, exited, ready };
}

/** Resolves with the exit code, or 'hung' when the child has not exited within `ms`. */
async function exitWithin(exited: Promise<number | null>, ms: number): Promise<number | null | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  try {
    return await Promise.race([exited, hung]);
  } finally {
    clearTimeout(timer);
  }
}

describe('logger at exit', () => {
  test('the built logger exists (npm test builds first)', () => {
    expect(existsSync(LOG_JS)).toBe(true);
  });

  test('exits when the stderr reader has closed its end (EPIPE)', async () => {
    const { proc, exited, ready } = child(1, 50);
    await ready;
    proc.stderr.destroy();
    await new Promise((r) => setTimeout(r, 100));
    proc.stdin.write('go\n');
    const code = await exitWithin(exited, 15_000);
    if (code === 'hung') proc.kill('SIGKILL');
    expect(code).toBe(0);
  }, 30_000);

  test('exits when the stderr reader stops reading (a full pipe), dropping what is left after the bound', async () => {
    const { proc, exited, ready } = child(4000, 10);
    proc.stderr.pause();
    await ready;
    proc.stdin.write('go\n');
    const code = await exitWithin(exited, 15_000);
    if (code === 'hung') proc.kill('SIGKILL');
    expect(code).toBe(0);
  }, 30_000);
});
