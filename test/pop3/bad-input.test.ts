/**
 * Bad input over the wire: every command with wrong arguments and in the wrong state, overlong
 * lines, and 10,000 pipelined commands. The session answers each and keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { message, PopClient, startPop3Server, type Pop3TestServer } from './harness.js';

let server: Pop3TestServer;
beforeAll(async () => {
  server = await startPop3Server();
  await server.deliver('fred', [message('one'), message('two')]);
}, 60_000);
afterAll(async () => {
  await server.close();
});

describe('POP3 bad input', () => {
  it('answers wrong arguments in TRANSACTION with Cyrus\'s texts', async () => {
    const c = await PopClient.login(server.port);
    const cases: Array<[string, string]> = [
      ['STAT 1', '-ERR Unexpected extra argument'],
      ['NOOP x', '-ERR Unexpected extra argument'],
      ['RSET 1', '-ERR Unexpected extra argument'],
      ['LIST x', '-ERR Not a number'],
      ['LIST 1 2', '-ERR Unexpected extra argument'],
      ['LIST 0', '-ERR No such message'],
      ['LIST 99999999999', '-ERR Not a number'],
      ['LIST -1', '-ERR Not a number'],
      ['RETR', '-ERR Missing argument'],
      ['RETR x', '-ERR Not a number'],
      ['RETR 3', '-ERR No such message'],
      ['DELE', '-ERR Missing argument'],
      ['DELE 1x', '-ERR Unexpected extra argument'],
      ['TOP', '-ERR Missing argument'],
      ['TOP 1', '-ERR Missing argument'],
      ['TOP 1 x', '-ERR Invalid number of lines'],
      ['TOP 1 1 1', '-ERR Unexpected extra argument'],
      ['TOP 9 1', '-ERR No such message'],
      ['UIDL x', '-ERR Not a number'],
      ['UIDL 9', '-ERR No such message'],
      ['CAPA x', '-ERR Unexpected extra argument'],
      ['QUIT now', '-ERR Unexpected extra argument'],
      ['STAT ', '-ERR Syntax error'],
      ['', '-ERR Unrecognized command'],
      ['XYZZY', '-ERR Unrecognized command'],
      ['USER fred', '-ERR Unrecognized command'],
      ['PASS pass', '-ERR Unrecognized command'],
      ['AUTH PLAIN', '-ERR Unrecognized command'],
      ['APOP fred 0123456789abcdef0123456789abcdef', '-ERR Unrecognized command'],
      ['STLS', '-ERR Unrecognized command'],
    ];
    for (const [command, answer] of cases) expect([command, await c.command(command)]).toEqual([command, answer]);
    expect(await c.command('stat')).toMatch(/^\+OK 2 \d+$/);
    c.close();
  });

  it('answers wrong arguments in AUTHORIZATION', async () => {
    const c = await PopClient.connect(server.port);
    const cases: Array<[string, string]> = [
      ['USER', '-ERR Missing argument'],
      ['PASS', '-ERR Missing argument'],
      ['USER  ', '-ERR Syntax error'],
      ['USER a\x01b', '-ERR [AUTH] Invalid user'],
      [`USER ${'u'.repeat(300)}`, '-ERR [AUTH] Invalid user'],
      ['AUTH PLAIN a b c', '-ERR Unexpected extra argument'],
      ['AUTH NOSUCH', '-ERR [AUTH] Mechanism not available'],
      ['AUTH PLAIN !!!!', '-ERR [AUTH] Invalid base64 in authentication exchange'],
      ['APOP fred 0123456789abcdef0123456789abcdef', '-ERR Unrecognized command'],
      ['STLS', '-ERR Unrecognized command'],
    ];
    for (const [command, answer] of cases) expect([command, await c.command(command)]).toEqual([command, answer]);
    expect(await c.command('USER fred')).toBe('+OK Name is a valid mailbox');
    expect(await c.command('PASS pass')).toMatch(/^\+OK/);
    c.close();
  });

  it('answers an overlong line once, drops it without holding it, and goes on', async () => {
    const c = await PopClient.connect(server.port);
    c.write(`NOOP ${'x'.repeat(1024 * 1024)}\r\n`);
    expect(await c.line()).toBe('-ERR Line too long');
    c.write(`USER ${'y'.repeat(20_000)}\r\nUSER fred\r\n`);
    expect(await c.line()).toBe('-ERR Line too long');
    expect(await c.line()).toBe('+OK Name is a valid mailbox');
    expect(await c.command('PASS pass')).toMatch(/^\+OK/);
    expect(await c.command('STAT')).toMatch(/^\+OK 2 /);
    c.close();
  });

  it('answers 10,000 pipelined commands in order', async () => {
    const c = await PopClient.login(server.port);
    const commands: string[] = [];
    for (let i = 0; i < 10_000; i++) commands.push(i % 3 === 0 ? 'NOOP' : i % 3 === 1 ? 'STAT' : 'BOGUS');
    c.write(commands.map((x) => `${x}\r\n`).join(''));
    for (let i = 0; i < 10_000; i++) {
      const line = await c.line();
      if (i % 3 === 0) expect(line).toBe('+OK');
      else if (i % 3 === 1) expect(line).toMatch(/^\+OK 2 \d+$/);
      else expect(line).toBe('-ERR Unrecognized command');
    }
    expect(await c.command('QUIT')).toBe('+OK');
  });

  it('takes commands split across packets and bare LF line ends', async () => {
    const c = await PopClient.connect(server.port);
    for (const byte of 'USER fred\n') c.write(byte);
    expect(await c.line()).toBe('+OK Name is a valid mailbox');
    c.write('PA');
    await new Promise((r) => setTimeout(r, 20));
    c.write('SS pass\r\nLIST 1\r\n');
    expect(await c.line()).toMatch(/^\+OK Mailbox locked/);
    expect(await c.line()).toMatch(/^\+OK 1 \d+$/);
    c.close();
  });

  it('answers an internal error with [SYS/TEMP] and no detail, and keeps serving', async () => {
    const spy = vi.spyOn(server.pop3.deps.store, 'openMailbox').mockImplementation(() => {
      throw new TypeError('secret internals');
    });
    try {
      const c = await PopClient.connect(server.port);
      await c.command('USER fred');
      expect(await c.command('PASS pass')).toBe('-ERR [SYS/TEMP] Internal server error');
      expect(await c.command('NOOP')).toBe('-ERR Unrecognized command');
      spy.mockRestore();
      await c.command('USER fred');
      expect(await c.command('PASS pass')).toMatch(/^\+OK/);
      c.close();
    } finally {
      spy.mockRestore();
    }
  });

  it('keeps the password exactly as sent after PASS and one space', async () => {
    await server.pop3.deps.auth.store.setPassword('spacey', ' two  spaces ');
    const c = await PopClient.connect(server.port);
    await c.command('USER spacey');
    expect(await c.command('PASS  two  spaces ')).toMatch(/^\+OK/);
    c.close();
  });
});
