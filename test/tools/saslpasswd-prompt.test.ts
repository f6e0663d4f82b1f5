/**
 * Issue 17: interactive saslpasswd shows its prompts on a terminal (and echoes nothing typed).
 * The terminal is a pseudo-terminal made by util-linux `script`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = resolve(import.meta.dirname, '../../dist/bin/cyrusts.js');
const dir = mkdtempSync(join(tmpdir(), 'cyrusts-saslpasswd-'));
const conf = join(dir, 'imapd.conf');
writeFileSync(conf, `configdirectory: ${dir}/conf\npartition-default: ${dir}/spool\nauth_passwd_db: ${dir}/passwd.db\n`);
const hasScript = spawnSync('script', ['--version']).status === 0;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run saslpasswd on a terminal, typing each answer once the prompt before it has appeared. */
function onTerminal(userid: string, answers: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn('script', ['-q', '-e', '-c', `${process.execPath} ${CLI} saslpasswd -C ${conf} ${userid}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const prompts = [/Password: $/, /verification\): $/];
    child.stdout.setEncoding('latin1').on('data', (text: string) => {
      output += text;
      const next = prompts[0];
      if (next && next.test(output.replace(/\r?\n$/, ''))) {
        prompts.shift();
        child.stdin.write(`${answers.shift() ?? ''}\r`);
      }
    });
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

describe.skipIf(!hasScript)('saslpasswd on a terminal', () => {
  it('prompts twice, echoes nothing typed, sets the password', async () => {
    const { code, output } = await onTerminal('fred', ['s3cret', 's3cret']);
    expect(code).toBe(0);
    expect(output).toContain('Password: ');
    expect(output).toContain('Again (for verification): ');
    // Nothing erases a prompt (readline's line redraw did) and the password never shows.
    expect(output).not.toMatch(/\x1b\[\d*[GJK]/);
    expect(output).not.toContain('s3cret');
    const list = spawnSync(process.execPath, [CLI, 'saslpasswd', '-C', conf, '-l'], { encoding: 'utf8' });
    expect(list.stdout.split('\n')).toContain('fred');
  });

  it('refuses two different answers', async () => {
    const { code, output } = await onTerminal('bob', ['one', 'two']);
    expect(code).toBe(1);
    expect(output).toContain('passwords do not match');
  });
});
