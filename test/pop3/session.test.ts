/** The three states of RFC 1939 over the wire: AUTHORIZATION, TRANSACTION and UPDATE. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, PopClient, startPop3Server, type Pop3TestServer } from './harness.js';

let server: Pop3TestServer;
beforeAll(async () => {
  server = await startPop3Server({ users: ['fred', 'admin', 'joe', 'newbie'] });
  await server.deliver('fred', [message('one'), message('two'), message('three')]);
  await server.deliver('joe', [message('j1'), message('j2')]);
}, 60_000);
afterAll(async () => {
  await server.close();
});

describe('POP3 session states', () => {
  it('greets and answers CAPA before login', async () => {
    const c = await PopClient.connect(server.port);
    expect(c.greeting).toMatch(/^\+OK \S+ cyrusts POP3 [\d.]+ server ready$/);
    const capa = await c.listing('CAPA');
    expect(capa.status).toBe('+OK List of capabilities follows');
    expect(capa.lines).toEqual(expect.arrayContaining(['TOP', 'UIDL', 'PIPELINING', 'RESP-CODES', 'AUTH-RESP-CODE', 'USER', 'EXPIRE NEVER', 'LOGIN-DELAY 0']));
    expect(capa.lines.find((l) => l.startsWith('SASL '))).toContain('PLAIN');
    expect(capa.lines.find((l) => l.startsWith('IMPLEMENTATION '))).toBeDefined();
    expect(capa.lines).not.toContain('STLS');
    c.close();
  });

  it('refuses TRANSACTION commands before login', async () => {
    const c = await PopClient.connect(server.port);
    for (const cmd of ['STAT', 'LIST', 'RETR 1', 'DELE 1', 'NOOP', 'RSET', 'TOP 1 0', 'UIDL']) {
      expect(await c.command(cmd)).toBe('-ERR Unrecognized command');
    }
    expect(await c.command('PASS pass')).toBe('-ERR [AUTH] Must give USER command');
    c.close();
  });

  it('logs in with USER/PASS and lists the maildrop', async () => {
    const c = await PopClient.connect(server.port);
    expect(await c.command('USER fred')).toBe('+OK Name is a valid mailbox');
    expect(await c.command('USER fred')).toBe('-ERR [AUTH] Must give PASS command');
    expect(await c.command('PASS pass')).toMatch(/^\+OK Mailbox locked and ready/);
    const sizes = [message('one'), message('two'), message('three')].map((m) => Buffer.byteLength(m));
    expect(await c.command('STAT')).toBe(`+OK 3 ${sizes.reduce((a, b) => a + b)}`);
    const list = await c.listing('LIST');
    expect(list.lines).toEqual(sizes.map((s, i) => `${i + 1} ${s}`));
    expect(await c.command('LIST 2')).toBe(`+OK 2 ${sizes[1]}`);
    expect(await c.command('LIST 4')).toBe('-ERR No such message');
    const uidl = await c.listing('UIDL');
    expect(uidl.lines).toHaveLength(3);
    expect(uidl.lines[0]).toMatch(/^1 \d+\.1$/);
    expect(await c.command('USER fred')).toBe('-ERR Unrecognized command');
    expect(await c.command('QUIT')).toBe('+OK');
    await c.closedByServer();
  });

  it('answers a wrong password with [AUTH] and stays in AUTHORIZATION', async () => {
    const c = await PopClient.connect(server.port);
    await c.command('USER fred');
    expect(await c.command('PASS wrong')).toBe('-ERR [AUTH] Invalid login');
    expect(await c.command('STAT')).toBe('-ERR Unrecognized command');
    c.close();
  });

  it('deletes only in UPDATE, after QUIT; RSET unmarks', async () => {
    const a = await PopClient.login(server.port, 'joe');
    expect(await a.command('DELE 1')).toBe('+OK message deleted');
    expect(await a.command('DELE 1')).toBe('-ERR No such message');
    expect(await a.command('RETR 1')).toBe('-ERR No such message');
    expect(await a.command('STAT')).toMatch(/^\+OK 1 /);
    expect(await a.command('RSET')).toBe('+OK');
    expect(await a.command('STAT')).toMatch(/^\+OK 2 /);
    expect(await a.command('DELE 2')).toBe('+OK message deleted');
    // Not gone before QUIT: another session still sees both.
    const b = await PopClient.login(server.port, 'joe');
    expect(await b.command('STAT')).toMatch(/^\+OK 2 /);
    expect(await a.command('QUIT')).toBe('+OK');
    await a.closedByServer();
    expect(await b.command('QUIT')).toBe('+OK');
    const c = await PopClient.login(server.port, 'joe');
    const uidl = await c.listing('UIDL');
    expect(uidl.lines).toEqual([expect.stringMatching(/^1 \d+\.1$/)]);
    c.close();
  });

  it('autocreates the INBOX of a first login (the mail layer) and shows it empty', async () => {
    const c = await PopClient.login(server.port, 'newbie');
    expect(await c.command('STAT')).toBe('+OK 0 0');
    expect((await c.listing('LIST')).lines).toEqual([]);
    expect(server.pop3.deps.store.lookup('user.newbie')).not.toBeNull();
    c.close();
  });

  it('sends TOP: the header, the empty line, then n lines', async () => {
    await server.deliver('admin', [message('top', 'line 1\r\nline 2\r\nline 3\r\n')]);
    const c = await PopClient.login(server.port, 'admin');
    const top0 = await c.listing('TOP 1 0');
    expect(top0.status).toBe('+OK Message follows');
    expect(top0.lines.at(-1)).toBe('');
    expect(top0.lines).not.toContain('line 1');
    const top2 = await c.listing('TOP 1 2');
    expect(top2.lines.slice(-3)).toEqual(['', 'line 1', 'line 2']);
    const all = await c.listing('TOP 1 99');
    expect(all.lines.slice(-3)).toEqual(['line 1', 'line 2', 'line 3']);
    c.close();
  });
});
