// What timsieved does with input it cannot take: commands in the wrong state, malformed strings,
// unknown commands, over-long lines and literals over the limit (answered before they are sent,
// then dropped), a flood of bad commands; the session goes on after each where it can.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { literal, SieveClient, startSieveServer, type SieveTestServer } from './harness.js';

let server: SieveTestServer;

beforeAll(async () => {
  server = await startSieveServer({ conf: ['sieve_maxscriptsize: 1'] });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

async function loggedIn(): Promise<SieveClient> {
  const client = await SieveClient.connect(server);
  expect((await client.login()).status).toBe('OK');
  return client;
}

/** The session still answers. */
async function stillServes(client: SieveClient): Promise<void> {
  expect((await client.command('NOOP "alive"')).status).toBe('OK (TAG "alive") "Done"');
}

describe('wrong state', () => {
  it('script commands before AUTHENTICATE', async () => {
    const client = await SieveClient.connect(server);
    for (const command of ['LISTSCRIPTS', 'GETSCRIPT "a"', 'PUTSCRIPT "a" "keep;"', 'SETACTIVE "a"', 'DELETESCRIPT "a"', 'RENAMESCRIPT "a" "b"', 'HAVESPACE "a" 1', 'CHECKSCRIPT "keep;"', 'UNAUTHENTICATE']) {
      expect((await client.command(command)).status, command).toBe('NO "Authenticate first"');
    }
    await stillServes(client);
    client.close();
  });

  it('AUTHENTICATE and STARTTLS once authenticated', async () => {
    const client = await loggedIn();
    expect((await client.command('AUTHENTICATE "PLAIN" "AGZyZWQAcGFzcw=="')).status).toBe('NO "AUTHENTICATE is not allowed once authenticated"');
    expect((await client.command('STARTTLS')).status).toBe('NO "STARTTLS is not allowed once authenticated"');
    await stillServes(client);
    client.close();
  });

  it('STARTTLS without a certificate configured', async () => {
    const client = await SieveClient.connect(server);
    expect((await client.command('STARTTLS')).status).toBe('NO "TLS is not available"');
    await stillServes(client);
    client.close();
  });
});

describe('malformed commands', () => {
  it.each([
    ['unknown command', 'FROBNICATE "x"', 'NO "Unknown command"'],
    ['a string where the command belongs', '"LISTSCRIPTS"', 'NO "Expected a command"'],
    ['unterminated quoted string', 'GETSCRIPT "abc', 'NO "Unterminated quoted string"'],
    ['escape of an ordinary character', 'GETSCRIPT "a\\bc"', 'NO "Invalid escape in quoted string"'],
    ['no space between arguments', 'RENAMESCRIPT "a""b"', 'NO "Missing space between arguments"'],
    ['two spaces', 'RENAMESCRIPT "a"  "b"', 'NO "Missing argument"'],
    ['a trailing space', 'LISTSCRIPTS ', 'NO "Trailing space"'],
    ['a literal header that is not one', 'GETSCRIPT {abc}', 'NO "Invalid literal"'],
    ['a number where a string belongs', 'GETSCRIPT 12', 'NO "Expected a string"'],
    ['a missing argument', 'GETSCRIPT', 'NO "Missing argument"'],
    ['too many arguments', 'LISTSCRIPTS "x"', 'NO "Too many arguments"'],
    ['a name with "/"', 'PUTSCRIPT "a/b" "keep;"', 'NO "Invalid script name: script name contains \\"/\\""'],
    ['the name ".."', 'GETSCRIPT ".."', 'NO "Invalid script name: script name starts with \\".\\""'],
    ['a name with a control character (literal)', Buffer.concat([Buffer.from('GETSCRIPT '), literal('a\tb')]), 'NO "Invalid script name: script name contains a control character"'],
    ['a name that is not UTF-8', Buffer.concat([Buffer.from('GETSCRIPT '), literal(Buffer.from([0x61, 0xff]))]), 'NO "Script name is not valid UTF-8"'],
  ])('%s', async (_what, command, answer) => {
    const client = await loggedIn();
    expect((await client.command(command)).status).toBe(answer);
    await stillServes(client);
    client.close();
  });

  it('both literal forms, {N+} and {N}, are read at once (no continuation request)', async () => {
    const client = await SieveClient.connect(server);
    expect((await client.command(Buffer.concat([Buffer.from('NOOP '), literal('sync', true)]))).status).toBe('OK (TAG "sync") "Done"');
    expect((await client.command(Buffer.concat([Buffer.from('NOOP '), literal('', false)]))).status).toBe('OK (TAG "") "Done"');
    client.close();
  });

  it('pipelined commands are answered in order', async () => {
    const client = await loggedIn();
    client.send('NOOP "1"\r\nFROB\r\nNOOP "2"\r\n');
    expect((await client.response()).status).toBe('OK (TAG "1") "Done"');
    expect((await client.response()).status).toBe('NO "Unknown command"');
    expect((await client.response()).status).toBe('OK (TAG "2") "Done"');
    client.close();
  });
});

describe('limits', () => {
  it('a literal over the limit is refused (QUOTA/MAXSIZE) before it is sent, then dropped', async () => {
    const client = await loggedIn();
    client.send('PUTSCRIPT "big" {100000+}\r\n');
    expect((await client.response()).status).toBe('NO (QUOTA/MAXSIZE) "Literal of 100000 octets is over the limit of 4096"');
    client.send(Buffer.alloc(100000, 'x'));
    client.send('\r\n');
    await stillServes(client);
    expect((await client.command('LISTSCRIPTS')).lines).toEqual(['OK']);
    client.close();
  });

  it('before login a literal is limited to what SASL needs', async () => {
    const client = await SieveClient.connect(server);
    client.send('AUTHENTICATE "PLAIN" {20000+}\r\n');
    expect((await client.response()).status).toBe('NO "Literal of 20000 octets is over the limit of 16384"');
    client.send(Buffer.alloc(20000, 'A'));
    client.send('\r\n');
    await stillServes(client);
    client.close();
  });

  it('a literal of gigabytes ends the session at once (BYE)', async () => {
    const client = await loggedIn();
    client.send('PUTSCRIPT "big" {5000000000+}\r\n');
    expect((await client.response()).status).toBe('BYE "Literal too big"');
    await client.closedByServer();
  });

  it('an over-long command line is refused without being buffered whole', async () => {
    const client = await loggedIn();
    client.send(`NOOP "${'a'.repeat(40_000)}"\r\n`);
    expect((await client.response()).status).toBe('NO "Line too long"');
    await stillServes(client);
    client.close();
  });

  it('auth_max_failures (5) failed logins close the connection after the last NO', async () => {
    const client = await SieveClient.connect(server);
    for (let i = 1; i <= 5; i++) expect((await client.login('nobody', `wrong${i}`)).status).toBe('NO "Authentication failed"');
    await client.closedByServer();
  });

  it('20 bad commands in a row end the session with BYE', async () => {
    const client = await SieveClient.connect(server);
    client.send('FROB\r\n'.repeat(25));
    for (let i = 1; i < 20; i++) expect((await client.response()).status).toBe('NO "Unknown command"');
    expect((await client.response()).status).toBe('BYE "Unknown command; too many bad commands, closing"');
    await client.closedByServer();
  });
});
