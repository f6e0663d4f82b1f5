/**
 * Cyrus's own client, pop3test (cyrus-clients), against this server with each SASL mechanism the
 * server offers, and with USER/PASS; plus AUTH exchanges over the raw wire (continuations,
 * SCRAM's final message as a last challenge, a cancel).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, PopClient, startPop3Server, type Pop3TestServer } from './harness.js';

const POP3TEST = ['/usr/lib/cyrus/bin/pop3test', '/usr/bin/pop3test'].find((p) => existsSync(p));

let server: Pop3TestServer;
beforeAll(async () => {
  server = await startPop3Server();
  await server.deliver('fred', [message('one'), message('two')]);
}, 60_000);
afterAll(async () => {
  await server.close();
});

/** Run pop3test with `mechanism`, feeding `commands` after the login; everything it printed. */
function pop3test(mechanism: string, commands: string): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile(POP3TEST!, ['-p', String(server.port), '-m', mechanism, '-a', 'fred', '-w', 'pass', server.host], { encoding: 'utf8', timeout: 20_000 }, (_err, stdout, stderr) => {
      resolve(`${stdout}${stderr}`);
    });
    child.stdin!.end(commands);
  });
}

describe.skipIf(!POP3TEST)('pop3test (Cyrus)', () => {
  it.each(['user', 'PLAIN', 'LOGIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256'])('logs in with %s and runs STAT and QUIT', async (mechanism) => {
    const out = await pop3test(mechanism, 'STAT\r\nQUIT\r\n');
    expect(out, out).toMatch(/Authenticated\./);
    expect(out).toMatch(/\+OK 2 \d+/);
  });

  it('is refused with a wrong password', async () => {
    const out = await new Promise<string>((resolve) => {
      const child = execFile(POP3TEST!, ['-p', String(server.port), '-m', 'PLAIN', '-a', 'fred', '-w', 'wrong', server.host], { encoding: 'utf8', timeout: 20_000 }, (_e, so, se) => resolve(`${so}${se}`));
      child.stdin!.end();
    });
    expect(out).toMatch(/-ERR \[AUTH\]/);
  });
});

describe('AUTH over the wire', () => {
  it('lists the mechanisms without an argument', async () => {
    const c = await PopClient.connect(server.port);
    const list = await c.listing('AUTH');
    expect(list.status).toBe('+OK List of supported mechanisms follows');
    expect(list.lines).toEqual(expect.arrayContaining(['PLAIN', 'LOGIN', 'SCRAM-SHA-256']));
    c.close();
  });

  it('runs PLAIN with an empty initial challenge, LOGIN step by step, and a cancel', async () => {
    const c = await PopClient.connect(server.port);
    expect(await c.command('AUTH PLAIN')).toBe('+ ');
    expect(await c.command('*')).toBe('-ERR [AUTH] Client canceled authentication');
    expect(await c.command('AUTH LOGIN')).toBe(`+ ${Buffer.from('Username:').toString('base64')}`);
    expect(await c.command(Buffer.from('fred').toString('base64'))).toBe(`+ ${Buffer.from('Password:').toString('base64')}`);
    expect(await c.command(Buffer.from('pass').toString('base64'))).toMatch(/^\+OK Mailbox locked and ready/);
    expect(await c.command('STAT')).toMatch(/^\+OK 2 /);
    c.close();
    const d = await PopClient.connect(server.port);
    expect(await d.command('AUTH PLAIN')).toBe('+ ');
    expect(await d.command(Buffer.from('\0fred\0wrong').toString('base64'))).toBe('-ERR [AUTH] Invalid login');
    expect(await d.command(`AUTH PLAIN ${Buffer.from('\0fred\0pass').toString('base64')}`)).toMatch(/^\+OK/);
    d.close();
  });

  it('accepts "=" as an empty initial response', async () => {
    const c = await PopClient.connect(server.port);
    expect(await c.command('AUTH PLAIN =')).toBe('-ERR [AUTH] Malformed authentication exchange');
    c.close();
  });
});
