/** Python's poplib for every command and state. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, runPython, startPop3Server, type Pop3TestServer } from './harness.js';

let server: Pop3TestServer;
const MESSAGES = [message('first', 'one\r\n.dot line\r\n'), message('second', 'two\r\n'), message('third', 'three\r\n')];
beforeAll(async () => {
  server = await startPop3Server();
  await server.deliver('fred', MESSAGES);
}, 60_000);
afterAll(async () => {
  await server.close();
});

describe('Python poplib', () => {
  it('runs every command in every state', async () => {
    const result = await runPython(join(import.meta.dirname, 'fixtures', 'poplib_all.py'), [server.host, String(server.port)]);
    expect(result.err).toBe('');
    expect(result.status).toBe(0);
    const seen = JSON.parse(result.out);
    expect(seen.welcome).toMatch(/^\+OK .* server ready$/);
    expect(Object.keys(seen.capa)).toEqual(expect.arrayContaining(['SASL', 'TOP', 'UIDL', 'USER', 'PIPELINING', 'RESP-CODES', 'AUTH-RESP-CODE', 'EXPIRE', 'LOGIN-DELAY', 'IMPLEMENTATION']));
    expect(seen.stat_before_login).toBe('-ERR Unrecognized command');
    // No APOP: the greeting carries no timestamp, so poplib refuses before sending.
    expect(seen.apop).toBe('-ERR APOP not supported by server');
    expect(seen.bad_pass).toBe('-ERR [AUTH] Invalid login');
    expect(seen.user).toBe('+OK Name is a valid mailbox');
    expect(seen.pass).toMatch(/^\+OK Mailbox locked and ready/);
    const sizes = MESSAGES.map((m) => Buffer.byteLength(m));
    expect(seen.stat).toEqual([3, sizes[0]! + sizes[1]! + sizes[2]!]);
    expect(seen.list).toEqual(sizes.map((s, i) => `${i + 1} ${s}`));
    expect(seen.list_one).toBe(`+OK 2 ${sizes[1]}`);
    // LIST's sizes are exactly the octets RETR delivers.
    expect(seen.retr.map((r: { octets: number }) => r.octets)).toEqual(sizes);
    expect(seen.retr[0].lines.join('\r\n') + '\r\n').toBe(MESSAGES[0]);
    expect(seen.top.at(-2)).toBe('');
    expect(seen.top.at(-1)).toBe('one');
    expect(seen.uidl).toHaveLength(3);
    expect(seen.uidl_one).toBe(`+OK ${seen.uidl[0]}`);
    expect(seen.noop).toBe('+OK');
    expect(seen.dele).toBe('+OK message deleted');
    expect(seen.retr_deleted).toBe('-ERR No such message');
    expect(seen.stat_after_dele[0]).toBe(2);
    expect(seen.rset).toBe('+OK');
    expect(seen.stat_after_rset[0]).toBe(3);
    expect(seen.quit).toBe('+OK');
    expect(seen.stat_next_session).toEqual([2, sizes[1]! + sizes[2]!]);
    expect(seen.uidl_next_session.map((l: string) => l.split(' ')[1])).toEqual(seen.uidl.slice(1).map((l: string) => l.split(' ')[1]));
    expect(seen.auth_plain).toMatch(/^\+OK Mailbox locked and ready/);
    expect(seen.auth_stat[0]).toBe(2);
  });
});
