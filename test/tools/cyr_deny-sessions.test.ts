// cyr_deny ends the sessions a denied user already has, as Cyrus's cyr_deny does: a real master
// (IMAP and POP3 workers) and the cyr_deny command line in its own process. The IMAP session in
// IDLE and the one between commands get `* BYE [ALERT] message` and are closed; the POP3 session
// gets the message and is closed without entering UPDATE (its deletion is not made), ManageSieve gets
// BYE with it; another
// user's session, and a session of the denied user on a service the list does not name, go on.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../imap/harness.js';
import { CLI, type TempServer } from '../master/helpers.js';
import { PopClient } from '../pop3/harness.js';
import { SieveClient } from '../sieve/harness.js';
import { startDenyMaster, type DenyMaster } from './deny-harness.js';

let deny: DenyMaster;
let server: TempServer;
let ports: Record<string, number>;

beforeAll(async () => {
  deny = await startDenyMaster(['imap', 'imapalt', 'pop3', 'sieve']);
  ({ server, ports } = deny);
}, 60_000);
afterAll(() => deny?.stop());

function cyrDeny(...args: string[]): void {
  const result = spawnSync(process.execPath, [CLI, 'cyr_deny', '-C', server.imapdConf, ...args], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
}

async function imap(service: string, user: string): Promise<RawClient> {
  const c = await RawClient.connect(ports[service]!);
  expect((await c.command('l', `LOGIN ${user} pass`)).at(-1)).toMatch(/^l OK/);
  return c;
}

describe('cyr_deny and sessions already logged in', () => {
  it('ends the denied user\'s IMAP, POP3 and ManageSieve sessions on the services named, and only those', async () => {
    const idling = await imap('imap', 'fred');
    await idling.command('s', 'SELECT INBOX');
    idling.write('i IDLE\r\n');
    await idling.readUntil((line) => line.startsWith('+ '));
    const resting = await imap('imap', 'fred');
    const other = await imap('imap', 'joe');
    const elsewhere = await imap('imapalt', 'fred');
    // A message in fred's INBOX, marked deleted over POP3 before the deny: the ended session must not expunge it.
    const text = 'Subject: keep me\r\n\r\nbody\r\n';
    expect((await resting.command('a', `APPEND INBOX {${text.length}+}\r\n${text}`)).at(-1)).toMatch(/^a OK/);
    const pop = await PopClient.login(ports.pop3!, 'fred', 'pass');
    expect(await pop.command('DELE 1')).toMatch(/^\+OK/);
    const sieve = await SieveClient.connect({ host: '127.0.0.1', port: ports.sieve! });
    expect((await sieve.login('fred')).status).toMatch(/^OK/);
    try {
      cyrDeny('-s', 'imap,pop3,sieve', '-m', 'Account on hold', 'fred');
      expect((await idling.readUntil((line) => line.startsWith('* BYE'), 15_000)).at(-1)).toBe('* BYE [ALERT] Account on hold');
      expect((await resting.readUntil((line) => line.startsWith('* BYE'), 15_000)).at(-1)).toBe('* BYE [ALERT] Account on hold');
      expect(await pop.line(15_000)).toBe('-ERR [SYS/TEMP] Account on hold');
      expect((await sieve.response(15_000)).status).toBe('BYE "Account on hold"');
      // The others still answer.
      expect((await other.command('n', 'NOOP')).at(-1)).toBe('n OK NOOP completed');
      expect((await elsewhere.command('n', 'NOOP')).at(-1)).toBe('n OK NOOP completed');
    } finally {
      cyrDeny('-a', 'fred');
      for (const c of [idling, resting, other, elsewhere]) c.close();
      pop.socket.destroy();
      sieve.socket.destroy();
    }
    // Allowed again: fred logs in; POP3 did not enter UPDATE, so the message it marked is still there.
    const again = await imap('imap', 'fred');
    expect((await again.command('st', 'STATUS INBOX (MESSAGES)'))[0]).toBe('* STATUS INBOX (MESSAGES 1)');
    again.close();
  }, 60_000);
});
