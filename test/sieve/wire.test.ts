// ManageSieve (RFC 5804) on the wire against timsieved run by a real master: greeting, CAPABILITY,
// AUTHENTICATE in its forms, and every script command on scripts placed in sievedir by the store
// (no Sieve compiler needed here; PUTSCRIPT and CHECKSCRIPT are in putscript.test.ts).
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SieveScriptStore } from '../../src/store/index.js';
import { DEFAULT_MAX_REDIRECTS, SUPPORTED_EXTENSIONS, UNADVERTISED_EXTENSIONS } from '../../src/sieve-script/index.js';
import { literal, SieveClient, startSieveServer, type SieveTestServer } from './harness.js';

let server: SieveTestServer;
let store: SieveScriptStore;

beforeAll(async () => {
  server = await startSieveServer({ conf: ['sieve_maxscripts: 3', 'sieve_maxscriptsize: 1', 'proxyservers: admin'] });
  store = new SieveScriptStore({ directory: server.sievedir, maxScriptSize: 1024, maxScripts: 3, virtDomains: false, fullDirHash: false, durable: false });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

async function loggedIn(user = 'fred'): Promise<SieveClient> {
  const client = await SieveClient.connect(server);
  expect((await client.login(user)).status).toMatch(/^OK/);
  return client;
}

const SCRIPT_A = 'require "fileinto";\r\nfileinto "lists";\r\n';

describe('greeting and CAPABILITY', () => {
  it('greets with the capability list then OK, and CAPABILITY says the same', async () => {
    const client = await SieveClient.connect(server);
    const { lines, status } = client.greeting;
    expect(status).toBe('OK'); // bare, as Cyrus's timsieved: Cyrus's sieveshell refuses text there
    expect(lines[0]).toMatch(/^"IMPLEMENTATION" "cyrusts ManageSieve/);
    const sasl = lines.find((l) => l.startsWith('"SASL" '))!;
    expect(sasl).toMatch(/^"SASL" "([A-Z0-9-]+ )*PLAIN LOGIN"$/);
    expect(sasl).not.toContain('ANONYMOUS');
    expect(lines).toContain(`"SIEVE" "${SUPPORTED_EXTENSIONS.filter((e) => !UNADVERTISED_EXTENSIONS.has(e)).join(' ')}"`);
    expect(lines).toContain('"VERSION" "1.0"');
    expect(lines).toContain('"UNAUTHENTICATE"');
    expect(lines).toContain(`"MAXREDIRECTS" "${DEFAULT_MAX_REDIRECTS}"`);
    expect(lines).toContain('"NOTIFY" "mailto"');
    expect(lines.some((l) => l.startsWith('"STARTTLS"'))).toBe(false); // no certificate configured
    const capability = await client.command('CAPABILITY');
    expect(capability.lines.slice(0, -1)).toEqual(lines.slice(0, -1));
    expect(capability.status).toMatch(/^OK/);
    client.close();
  });

  it('NOOP echoes its tag; LOGOUT answers OK and closes', async () => {
    const client = await SieveClient.connect(server);
    expect((await client.command('NOOP')).status).toBe('OK "Done"');
    expect((await client.command('NOOP "STARTTLS-SYNC-42"')).status).toBe('OK (TAG "STARTTLS-SYNC-42") "Done"');
    expect((await client.command(Buffer.concat([Buffer.from('noop '), literal('a"b')]))).status).toBe('OK (TAG "a\\"b") "Done"');
    expect((await client.command('LOGOUT')).status).toMatch(/^OK/);
    await client.closedByServer();
  });
});

describe('AUTHENTICATE', () => {
  it('PLAIN with an initial response', async () => {
    const client = await SieveClient.connect(server);
    expect((await client.login()).status).toBe('OK');
    expect((await client.command('LISTSCRIPTS')).status).toMatch(/^OK/);
    client.close();
  });

  it('PLAIN with a continuation (empty challenge, base64 answer as a quoted string or a literal)', async () => {
    for (const asLiteral of [false, true]) {
      const client = await SieveClient.connect(server);
      client.send('AUTHENTICATE "PLAIN"\r\n');
      // The challenge is an empty string on its own line, not an OK/NO yet.
      const challenge = await new Promise<string>((resolve) => {
        const check = () => {
          const text = (client as unknown as { buffer: Buffer }).buffer.toString();
          if (text.includes('\n')) resolve(text);
          else setTimeout(check, 5);
        };
        check();
      });
      expect(challenge).toBe('""\r\n');
      (client as unknown as { buffer: Buffer }).buffer = Buffer.alloc(0);
      const answer = Buffer.from('\0fred\0pass').toString('base64');
      expect((await client.command(asLiteral ? literal(answer) : `"${answer}"`)).status).toMatch(/^OK/);
      client.close();
    }
  });

  it('LOGIN with two challenges', async () => {
    const client = await SieveClient.connect(server);
    client.send('AUTHENTICATE "LOGIN"\r\n');
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    // Each challenge is read as a one-line "response" by the helper only at the final status; send both answers at once.
    client.send(`"${b64('fred')}"\r\n"${b64('pass')}"\r\n`);
    const result = await client.response();
    expect(result.status).toBe('OK');
    expect(result.lines.slice(0, -1)).toEqual([`"${b64('Username:')}"`, `"${b64('Password:')}"`]);
    client.close();
  });

  it('"*" cancels; a wrong password, an unknown mechanism and bad base64 are NO; the session can still log in', async () => {
    const client = await SieveClient.connect(server);
    client.send('AUTHENTICATE "PLAIN"\r\n"*"\r\n');
    expect((await client.response()).status).toMatch(/^NO "Authentication canceled"/);
    expect((await client.login('fred', 'wrong')).status).toMatch(/^NO/);
    expect((await client.command('AUTHENTICATE "X-UNKNOWN"')).status).toMatch(/^NO "Mechanism X-UNKNOWN is not supported"/);
    expect((await client.command('AUTHENTICATE "PLAIN" "***"')).status).toMatch(/^NO/);
    expect((await client.command('AUTHENTICATE "PLAIN" "a" "b"')).status).toMatch(/^NO/);
    expect((await client.login()).status).toMatch(/^OK/);
    expect((await client.command('AUTHENTICATE "PLAIN" "AA=="')).status).toMatch(/^NO/); // already authenticated
    client.close();
  });

  it('an admin in proxyservers acts as another user (authzid); a user may not', async () => {
    store.put('joe', 'joes', Buffer.from('keep;\r\n'));
    const admin = await SieveClient.connect(server);
    expect((await admin.login('admin', 'pass', 'joe')).status).toMatch(/^OK/);
    expect((await admin.command('LISTSCRIPTS')).lines).toEqual(['"joes"', 'OK']);
    admin.close();
    const fred = await SieveClient.connect(server);
    expect((await fred.login('fred', 'pass', 'joe')).status).toMatch(/^NO/);
    fred.close();
  });

  it('UNAUTHENTICATE goes back to the unauthenticated state', async () => {
    const client = await loggedIn();
    expect((await client.command('UNAUTHENTICATE')).status).toMatch(/^OK/);
    expect((await client.command('LISTSCRIPTS')).status).toBe('NO "Authenticate first"');
    expect((await client.login('joe')).status).toMatch(/^OK/);
    expect((await client.command('LISTSCRIPTS')).lines[0]).toBe('"joes"');
    client.close();
  });
});

describe('script commands on stored scripts', () => {
  it('LISTSCRIPTS, SETACTIVE, GETSCRIPT (a literal), SETACTIVE "" and the defaultbc link', async () => {
    store.put('fred', 'alpha', Buffer.from(SCRIPT_A));
    store.put('fred', 'beta', Buffer.from('keep;\r\n'));
    const client = await loggedIn();
    expect((await client.command('LISTSCRIPTS')).lines).toEqual(['"alpha"', '"beta"', 'OK']);
    expect((await client.command('SETACTIVE "alpha"')).status).toMatch(/^OK/);
    expect(readlinkSync(join(server.sievedir, 'f', 'fred', 'defaultbc'))).toBe('alpha.bc');
    expect((await client.command('LISTSCRIPTS')).lines).toEqual(['"alpha" ACTIVE', '"beta"', 'OK']);
    const got = await client.command('GETSCRIPT "alpha"');
    expect(got.literals.map((b) => b.toString())).toEqual([SCRIPT_A]);
    expect(got.status).toMatch(/^OK/);
    expect((await client.command('GETSCRIPT "missing"')).status).toBe('NO (NONEXISTENT) "Script does not exist"');
    expect((await client.command('SETACTIVE "missing"')).status).toMatch(/^NO \(NONEXISTENT\)/);
    expect((await client.command('SETACTIVE ""')).status).toMatch(/^OK/);
    expect(existsSync(join(server.sievedir, 'f', 'fred', 'defaultbc'))).toBe(false);
    expect((await client.command('LISTSCRIPTS')).lines).toEqual(['"alpha"', '"beta"', 'OK']);
    client.close();
  });

  it('DELETESCRIPT refuses the active script (ACTIVE) and a missing one (NONEXISTENT)', async () => {
    store.put('fred', 'gamma', Buffer.from('keep;\r\n'));
    const client = await loggedIn();
    expect((await client.command('SETACTIVE "gamma"')).status).toMatch(/^OK/);
    expect((await client.command('DELETESCRIPT "gamma"')).status).toBe('NO (ACTIVE) "You may not delete an active script"');
    expect((await client.command('SETACTIVE ""')).status).toMatch(/^OK/);
    expect((await client.command('DELETESCRIPT "gamma"')).status).toMatch(/^OK/);
    expect((await client.command('DELETESCRIPT "gamma"')).status).toMatch(/^NO \(NONEXISTENT\)/);
    expect(existsSync(join(server.sievedir, 'f', 'fred', 'gamma.script'))).toBe(false);
    client.close();
  });

  it('RENAMESCRIPT keeps the active mark; ALREADYEXISTS and NONEXISTENT', async () => {
    store.put('joe', 'one', Buffer.from('keep;\r\n'));
    store.put('joe', 'two', Buffer.from('keep;\r\n'));
    store.setActive('joe', 'one');
    const client = await loggedIn('joe');
    expect((await client.command('RENAMESCRIPT "one" "two"')).status).toBe('NO (ALREADYEXISTS) "A script with that name already exists"');
    expect((await client.command('RENAMESCRIPT "nope" "three"')).status).toMatch(/^NO \(NONEXISTENT\)/);
    expect((await client.command('RENAMESCRIPT "one" "uno"')).status).toMatch(/^OK/);
    expect((await client.command('LISTSCRIPTS')).lines).toEqual(['"joes"', '"two"', '"uno" ACTIVE', 'OK']);
    expect(lstatSync(join(server.sievedir, 'j', 'joe', 'defaultbc')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(server.sievedir, 'j', 'joe', 'defaultbc'))).toBe('uno.bc');
    client.close();
  });

  it('HAVESPACE: QUOTA/MAXSIZE over sieve_maxscriptsize, QUOTA/MAXSCRIPTS over sieve_maxscripts, replacing counts as no new script', async () => {
    const client = await loggedIn('joe'); // joe has three scripts: joes, two, uno (or fewer if run alone: filled below)
    for (const n of ['joes', 'two', 'uno']) if (!store.get('joe', n)) store.put('joe', n, Buffer.from('keep;'));
    expect((await client.command('HAVESPACE "two" 1024')).status).toBe('OK');
    expect((await client.command('HAVESPACE "two" 1025')).status).toBe('NO (QUOTA/MAXSIZE) "Script is too big"');
    expect((await client.command('HAVESPACE "four" 10')).status).toBe('NO (QUOTA/MAXSCRIPTS) "Too many scripts"');
    expect((await client.command('HAVESPACE "two" "10"')).status).toMatch(/^NO "Expected a number"/);
    client.close();
  });

  it('a name with a UTF-8 character and quoted specials round-trips; names with "/" or a leading "." are refused', async () => {
    store.put('fred', 'Ferien ☀ "x" \\y', Buffer.from('keep;\r\n'));
    const client = await loggedIn();
    const list = await client.command('LISTSCRIPTS');
    expect(list.lines).toContain('"Ferien ☀ \\"x\\" \\\\y"');
    expect((await client.command('GETSCRIPT "Ferien ☀ \\"x\\" \\\\y"')).literals[0]!.toString()).toBe('keep;\r\n');
    for (const bad of ['../../etc/passwd', 'a/b', '..', '.hidden']) {
      for (const command of [`GETSCRIPT "${bad}"`, `SETACTIVE "${bad}"`, `DELETESCRIPT "${bad}"`, `RENAMESCRIPT "alpha" "${bad}"`, `HAVESPACE "${bad}" 1`]) {
        expect((await client.command(command)).status, command).toMatch(/^NO "Invalid script name/);
      }
    }
    client.close();
  });
});
