import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('a selected mailbox deleted by another session', () => {
  it('tells the client nothing more about it, and the session goes on', async () => {
    const a = await RawClient.connect(server.port);
    const b = await RawClient.connect(server.port);
    await a.command('a1', 'LOGIN fred pass');
    await b.command('b1', 'LOGIN fred pass');
    expect((await a.command('a2', 'CREATE doomed')).at(-1)).toMatch(/^a2 OK/);
    expect((await a.command('a3', 'SELECT doomed')).at(-1)).toBe('a3 OK [READ-WRITE] Completed');
    expect((await b.command('b2', 'DELETE doomed')).at(-1)).toMatch(/^b2 OK/);
    expect(await a.command('a4', 'NOOP')).toEqual(['a4 OK NOOP completed']);
    expect(await a.command('a5', 'NOOP')).toEqual(['a5 OK NOOP completed']);
    expect(await a.command('a6', 'CLOSE')).toEqual(['a6 OK CLOSE completed']);
    expect((await a.command('a7', 'SELECT INBOX')).at(-1)).toBe('a7 OK [READ-WRITE] Completed');
    a.close();
    b.close();
  });
});
