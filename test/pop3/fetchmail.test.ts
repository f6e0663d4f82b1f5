/**
 * fetchmail as users run it: keep with UIDL (the second run fetches nothing), then no-keep (the
 * messages leave the server, a run after fetches nothing).
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, PopClient, startPop3Server, type Pop3TestServer } from './harness.js';

const HAVE_FETCHMAIL = spawnSync('fetchmail', ['--version']).error === undefined;

let server: Pop3TestServer;
beforeAll(async () => {
  server = await startPop3Server();
  await server.deliver('fred', [message('f1'), message('f2'), message('f3', '.dotted\r\nbody\r\n')]);
}, 60_000);
afterAll(async () => {
  await server.close();
});

const MARK = '==end of message==';

/** Run fetchmail once; returns its exit status and how many messages its MDA received. */
async function fetchmail(run: string, keep: boolean): Promise<{ status: number; delivered: number; log: string }> {
  const out = join(server.dir, `delivered-${run}`);
  const rc = join(server.dir, `fetchmailrc-${run}`);
  writeFileSync(rc, [
    'set no bouncemail',
    `poll ${server.host} with proto POP3 port ${server.port} uidl no dns`,
    `  user 'fred' there with password 'pass' is 'fred' here`,
    `  options ${keep ? 'keep' : 'nokeep'} sslproto '' mda "/bin/sh -c 'cat >> ${out}; echo ${MARK} >> ${out}'"`,
    '',
  ].join('\n'));
  chmodSync(rc, 0o600);
  const idfile = join(server.dir, 'fetchids');
  const result = await new Promise<{ status: number; log: string }>((resolve) => {
    execFile('fetchmail', ['-f', rc, '-i', idfile, '--pidfile', join(server.dir, 'fetchmail.pid'), '-v', '--nosyslog'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, HOME: server.dir } }, (err, stdout, stderr) => {
        resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, log: `${stdout}${stderr}` });
      });
  });
  const text = existsSync(out) ? readFileSync(out, 'latin1') : '';
  return { ...result, delivered: text.split(MARK).length - 1 };
}

describe.skipIf(!HAVE_FETCHMAIL)('fetchmail', () => {
  it('keep + UIDL: fetches three messages, then nothing; the server keeps them', async () => {
    const first = await fetchmail('keep1', true);
    expect(first.delivered, first.log).toBe(3);
    expect(readFileSync(join(server.dir, 'delivered-keep1'), 'latin1')).toContain('\n.dotted\r\n'.replace('\r', ''));
    const second = await fetchmail('keep2', true);
    // fetchmail exits 1 when there was no mail.
    expect(second.delivered, second.log).toBe(0);
    expect(second.status).toBe(1);
    const c = await PopClient.login(server.port);
    expect(await c.command('STAT')).toMatch(/^\+OK 3 /);
    c.close();
  });

  it('no-keep: fetches the new message, deletes what it fetched, and a run after fetches nothing', async () => {
    await server.deliver('fred', [message('f4')]);
    const run = await fetchmail('nokeep1', false);
    expect(run.delivered, run.log).toBe(1);
    const after = await fetchmail('nokeep2', false);
    expect(after.delivered, after.log).toBe(0);
    const c = await PopClient.login(server.port);
    const stat = await c.command('STAT');
    c.close();
    // With UIDL, fetchmail deletes only what it downloaded in that run; the kept three stay.
    expect(stat).toMatch(/^\+OK 3 /);
  });
});
