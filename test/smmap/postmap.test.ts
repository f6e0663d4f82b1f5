// Postfix's own socketmap client against smmapd run by the master: `postmap -q KEY
// socketmap:inet:HOST:PORT:cyrus` (and the unix: form, and many keys on one connection with
// `-q -`), as relay_recipient_maps would ask. Needs Debian's postfix (CI installs it, see .ci/run);
// skipped where postmap is missing. postmap reads a throwaway main.cf of its own (-c DIR).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmmap, type SmmapTestServer } from './harness.js';

const POSTMAP = '/usr/sbin/postmap';
const NO_LIMITS = { STORAGE: null, MESSAGE: null, MAILBOX: null };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(!existsSync(POSTMAP))('postmap -q against smmapd', () => {
  let smmap: SmmapTestServer;
  let postfixDir: string;
  let inet: string;

  beforeAll(async () => {
    smmap = await startSmmap({
      setup(store) {
        store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
        store.createMailbox('user.full', { acl: 'full\tlrswipkxtecdan\t' });
        store.setQuota('user.full', { ...NO_LIMITS, MESSAGE: 0 });
      },
    });
    postfixDir = join(smmap.dir, 'postfix');
    mkdirSync(postfixDir);
    writeFileSync(join(postfixDir, 'main.cf'), 'compatibility_level = 3.6\n');
    inet = `socketmap:inet:${await smmap.address('smmap')}:cyrus`;
  }, 60_000);
  afterAll(async () => smmap?.close());

  function postmap(args: string[], input?: string): Promise<Run> {
    return new Promise((resolve) => {
      const child = execFile(POSTMAP, ['-c', postfixDir, ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? 1) : 0, stdout, stderr });
      });
      child.stdin!.end(input ?? '');
    });
  }

  it('finds an existing user (the value is the key), not an unknown one', async () => {
    expect(await postmap(['-q', 'fred', inet])).toMatchObject({ code: 0, stdout: 'fred\n' });
    expect(await postmap(['-q', 'nobody', inet])).toEqual({ code: 1, stdout: '', stderr: '' });
  });

  it('an over-quota user is a temporary error for postfix', async () => {
    const run = await postmap(['-q', 'full', inet]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/socketmap server temporary error: Over quota/);
  });

  it('many keys over one UNIX-socket connection (-q -)', async () => {
    const run = await postmap(['-q', '-', `socketmap:unix:${smmap.socketPath}:cyrus`], 'fred\nnobody\nfred+anything\n');
    expect(run).toMatchObject({ code: 0, stdout: 'fred\tfred\nfred+anything\tfred+anything\n' });
    const lines = () => smmap.master.logs.filter((l) => l.msg === 'lookup' && l.service === 'smmapunix');
    await smmap.master.waitFor('three lookup lines', () => lines().length >= 3);
    const sessions = lines().map((l) => l.session);
    expect(sessions).toHaveLength(3);
    expect(new Set(sessions).size).toBe(1);
  });
});
