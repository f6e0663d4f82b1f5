/**
 * TLS on connect (imapd -s under the master) with client certificates: a verified certificate
 * offers AUTH=EXTERNAL from the first CAPABILITY and logs its CN in; a client without one is not
 * offered it, and one with a certificate of another CA is disconnected; a user cyr_deny refuses
 * is refused by EXTERNAL as by a password.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../imap/harness.js';
import { clientHandshake, makeClientCerts, type ClientCerts, type KeyPair } from '../common/client-certs.js';
import { addUsers, CLI, RunningMaster, tempServer, type TempServer } from './helpers.js';

let certs: ClientCerts;
let server: TempServer;
let master: RunningMaster;
let port: number;

beforeAll(async () => {
  ensureBuilt();
  certs = makeClientCerts();
  server = tempServer('SERVICES {\n  imaps cmd="imapd -s" listen="127.0.0.1:0"\n}\n', `${certs.serverConf.join('\n')}\nautocreate_quota: 0\n`);
  addUsers(server, ['fred']);
  master = RunningMaster.start(server);
  port = Number((await master.address('imaps')).split(':')[1]);
}, 30_000);
afterAll(async () => {
  await master.stop();
  server.cleanup();
  certs.cleanup();
});

async function connect(cert: KeyPair | null) {
  return clientHandshake({ host: '127.0.0.1', port, ...(cert ?? {}) }, true);
}

describe('imaps (TLS on connect) with a client certificate', () => {
  it('offers EXTERNAL at once and AUTHENTICATE EXTERNAL logs the CN in', async () => {
    const outcome = await connect(certs.fred);
    if ('error' in outcome) throw new Error(outcome.error);
    expect(outcome.greeting).toMatch(/^\* OK/);
    const session = outcome.lines;
    expect((await session.command('c CAPABILITY', 'c '))[0]).toContain(' AUTH=EXTERNAL');
    expect((await session.command('a AUTHENTICATE EXTERNAL =', 'a ')).at(-1)).toMatch(/^a OK/);
    expect((await session.command('s SELECT INBOX', 's ')).at(-1)).toMatch(/^s OK/);
    session.close();
    await expect.poll(() => master.logs.some((l) => l.msg === 'login' && l.userid === 'fred')).toBe(true);
  });

  it('does not offer EXTERNAL to a client without a certificate', async () => {
    const outcome = await connect(null);
    if ('error' in outcome) throw new Error(outcome.error);
    expect((await outcome.lines.command('c CAPABILITY', 'c '))[0]).not.toContain('EXTERNAL');
    outcome.lines.close();
  });

  it('refuses a certificate user that cyr_deny denies, like any failed login', async () => {
    const deny = spawnSync(process.execPath, [CLI, 'cyr_deny', '-C', server.imapdConf, 'fred'], { encoding: 'utf8' });
    expect(deny.status).toBe(0);
    try {
      const outcome = await connect(certs.fred);
      if ('error' in outcome) throw new Error(outcome.error);
      expect((await outcome.lines.command('a AUTHENTICATE EXTERNAL =', 'a ')).at(-1)).toMatch(/^a NO/);
      expect((await outcome.lines.command('s SELECT INBOX', 's ')).at(-1)).toMatch(/^s (NO|BAD)/);
      outcome.lines.close();
    } finally {
      spawnSync(process.execPath, [CLI, 'cyr_deny', '-C', server.imapdConf, '-a', 'fred'], { encoding: 'utf8' });
    }
  });

  it('disconnects a client whose certificate does not verify', async () => {
    expect(await connect(certs.stranger)).toEqual({ error: expect.any(String) });
  });
});
