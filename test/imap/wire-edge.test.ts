import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ conf: ['maxlinelength: 2048', 'maxliteral: 4096', 'maxmessagesize: 100000'] });
});
afterAll(async () => {
  await server.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('imap wire edge cases', () => {
  it('reads a command fed one byte at a time', async () => {
    const c = await RawClient.connect(server.port);
    for (const byte of Buffer.from('t1 LOGIN fred pass\r\n')) {
      c.write(Buffer.from([byte]));
      await sleep(1);
    }
    expect((await c.readUntil((l) => l.startsWith('t1 '))).at(-1)).toMatch(/^t1 OK/);
    c.close();
  });

  it('answers pipelined commands in order', async () => {
    const c = await RawClient.connect(server.port);
    c.write('p1 NOOP\r\np2 LOGIN fred pass\r\np3 SELECT INBOX\r\np4 NOOP\r\n');
    const lines = await c.readUntil((l) => l.startsWith('p4 '));
    const tags = lines.filter((l) => /^p\d /.test(l)).map((l) => l.slice(0, 2));
    expect(tags).toEqual(['p1', 'p2', 'p3', 'p4']);
    c.close();
  });

  it('accepts synchronising literals split across packets and LITERAL+', async () => {
    const c = await RawClient.connect(server.port);
    c.write('l1 LOGIN {4}\r\n');
    expect(await c.readLine()).toMatch(/^\+ /);
    c.write('fr');
    await sleep(20);
    c.write('ed {4+}\r\npass\r\n');
    expect((await c.readUntil((l) => l.startsWith('l1 '))).at(-1)).toMatch(/^l1 OK/);
    c.close();
  });

  it('refuses a synchronising literal over the limit before reading it, and stays usable', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    c.write('big LOGIN {999999}\r\n');
    const answer = await c.readLine();
    expect(answer).toMatch(/^big (NO|BAD) \[TOOBIG\]/);
    expect((await c.command('after', 'NOOP')).at(-1)).toMatch(/^after OK/);
    c.close();
  });

  it('refuses an over-long line without buffering it and stays usable', async () => {
    const c = await RawClient.connect(server.port);
    c.write(`long NOOP ${'x'.repeat(50_000)}\r\n`);
    const answer = await c.readLine();
    expect(answer).toMatch(/BAD/);
    expect((await c.command('ok1', 'NOOP')).at(-1)).toMatch(/^ok1 OK/);
    c.close();
  });

  it('closes the connection after too many bad commands', async () => {
    const c = await RawClient.connect(server.port);
    for (let i = 0; i < 30 && !c.closed; i++) c.write(`x${i} BOGUS\r\n`);
    const lines = await c.readUntil((l) => l.startsWith('* BYE'));
    expect(lines.at(-1)).toMatch(/^\* BYE/);
    c.close();
  });

  it('gives every random or mutated command line a tagged answer or BYE (fuzz)', async () => {
    const seeds = ['LOGIN fred pass', 'SELECT INBOX', 'FETCH 1:* (FLAGS)', 'SEARCH OR FROM a TO b', 'LIST "" *', 'STORE 1 +FLAGS (\\Seen)', 'APPEND INBOX {3}', 'STATUS INBOX (MESSAGES)', 'UID FETCH 1 BODY[1.2.HEADER.FIELDS (To)]'];
    let state = 12345;
    const rand = (n: number) => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state % n;
    };
    const alphabet = ' ()[]{}<>"\\*%:.,+-~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz\x01\x7f\xe9';
    let connection = await RawClient.connect(server.port);
    await connection.command('z0', 'LOGIN fred pass');
    await connection.command('z1', 'SELECT INBOX');
    for (let i = 0; i < 1500; i++) {
      let line = seeds[rand(seeds.length)]!;
      const edits = 1 + rand(4);
      for (let e = 0; e < edits; e++) {
        const pos = rand(line.length + 1);
        const op = rand(3);
        const ch = alphabet[rand(alphabet.length)]!;
        if (op === 0) line = line.slice(0, pos) + ch + line.slice(pos);
        else if (op === 1) line = line.slice(0, pos) + line.slice(pos + 1);
        else line = line.slice(0, pos) + ch + line.slice(pos + 1);
      }
      line = line.replace(/\{\d+\+?\}$/, '').replace(/[\r\n]/g, '');
      const tag = `f${i}`;
      connection.write(Buffer.from(`${tag} ${line}\r\n`, 'latin1'));
      const lines = await connection.readUntil((l) => l.startsWith(`${tag} `) || l.startsWith('* BYE') || l.startsWith('+ '), 5000);
      const last = lines.at(-1)!;
      if (last.startsWith('+ ')) {
        // A literal was announced: abandon this connection (the client owes data).
        connection.close();
      } else if (last.startsWith('* BYE')) {
        connection.close();
      } else {
        expect(last).toMatch(new RegExp(`^${tag} (OK|NO|BAD)`));
        if (!/LOGOUT/i.test(line)) continue;
        connection.close();
      }
      connection = await RawClient.connect(server.port);
      await connection.command('z0', 'LOGIN fred pass');
      await connection.command('z1', 'SELECT INBOX');
    }
    connection.close();
    const check = await RawClient.connect(server.port);
    expect((await check.command('alive', 'NOOP')).at(-1)).toMatch(/^alive OK/);
    check.close();
  }, 120_000);
});
