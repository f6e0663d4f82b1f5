import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('imap session', () => {
  it('greets with capabilities and answers CAPABILITY, NOOP, LOGOUT', async () => {
    const c = await RawClient.connect(server.port);
    const caps = await c.command('a1', 'CAPABILITY');
    expect(caps[0]).toMatch(/^\* CAPABILITY IMAP4rev1 .*IDLE.*AUTH=PLAIN/);
    expect(caps[1]).toBe('a1 OK CAPABILITY completed');
    expect((await c.command('a2', 'NOOP')).at(-1)).toMatch(/^a2 OK/);
    const bye = await c.command('a3', 'LOGOUT');
    expect(bye[0]).toMatch(/^\* BYE/);
    expect(bye[1]).toMatch(/^a3 OK/);
  });

  it('refuses commands in the wrong state and bad syntax', async () => {
    const c = await RawClient.connect(server.port);
    expect((await c.command('b1', 'SELECT INBOX')).at(-1)).toBe('b1 BAD Please login first');
    expect((await c.command('b2', 'FROBNICATE')).at(-1)).toMatch(/^b2 BAD/);
    expect((await c.command('b3', 'LOGIN fred')).at(-1)).toMatch(/^b3 BAD/);
    expect((await c.command('b4', 'LOGIN fred wrong')).at(-1)).toMatch(/^b4 NO \[AUTHENTICATIONFAILED\]/);
    expect((await c.command('b5', 'LOGIN fred pass')).at(-1)).toMatch(/^b5 OK \[CAPABILITY /);
    expect((await c.command('b6', 'LOGIN fred pass')).at(-1)).toMatch(/^b6 BAD/);
    expect((await c.command('b7', 'FETCH 1 FLAGS')).at(-1)).toMatch(/^b7 BAD/);
    const sel = await c.command('b8', 'SELECT INBOX');
    expect(sel).toContain('* 0 EXISTS');
    expect(sel.at(-1)).toBe('b8 OK [READ-WRITE] Completed');
    const ns = await c.command('b9', 'NAMESPACE');
    expect(ns[0]).toMatch(/^\* NAMESPACE /);
    expect((await c.command('b10', 'SELECT nosuch')).at(-1)).toMatch(/^b10 NO \[NONEXISTENT\]/);
    expect((await c.command('b11', 'CLOSE')).at(-1)).toMatch(/^b11 BAD/);
    c.close();
  });

  it('authenticates with PLAIN as an initial response and via continuation', async () => {
    const c = await RawClient.connect(server.port);
    const ir = Buffer.from('\0fred\0pass').toString('base64');
    expect((await c.command('c1', `AUTHENTICATE PLAIN ${ir}`)).at(-1)).toMatch(/^c1 OK/);
    c.close();
    const d = await RawClient.connect(server.port);
    d.write('d1 AUTHENTICATE PLAIN\r\n');
    expect(await d.readLine()).toBe('+ ');
    d.write('*\r\n');
    expect((await d.readUntil((l) => l.startsWith('d1 '))).at(-1)).toMatch(/^d1 BAD/);
    d.write('d2 AUTHENTICATE PLAIN\r\n');
    await d.readLine();
    d.write('!!notbase64\r\n');
    expect((await d.readUntil((l) => l.startsWith('d2 '))).at(-1)).toMatch(/^d2 BAD/);
    d.close();
  });
});
