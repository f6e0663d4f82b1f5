/**
 * Issue 16: under load, a session whose data comes after its worker's share of the turn is used up
 * waits for a later turn (common/turn-share.ts). Here every arrival waits a turn, the worst case:
 * the sessions must still answer everything, in order, once each (pipelined commands, a literal
 * with its continuation, IDLE and DONE, LOGOUT), and another session's commands keep their place.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { commandTurns } from '../../src/common/index.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let waited = 0;

beforeAll(async () => {
  server = await startTestServer();
  server.imap.deps.store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
});
afterAll(() => server.close());

beforeAll(() => {
  vi.spyOn(commandTurns, 'runOrWait').mockImplementation((run) => {
    waited++;
    setImmediate(run);
    return false;
  });
});
afterAll(() => vi.restoreAllMocks());

describe('sessions whose every arrival waits a turn', () => {
  it('answers pipelined commands in order, a literal after its continuation, IDLE and LOGOUT', async () => {
    const before = waited;
    const c = await RawClient.connect(server.port);
    c.write('a LOGIN fred pass\r\nb SELECT INBOX\r\nc APPEND INBOX {12+}\r\nHello there!\r\nd NOOP\r\n');
    const lines = await c.readUntil((l) => l.startsWith('d '));
    const tags = lines.filter((l) => /^[a-d] /.test(l)).map((l) => l.slice(0, 4));
    expect(tags).toEqual(['a OK', 'b OK', 'c OK', 'd OK']);
    expect(lines.some((l) => l === '* 1 EXISTS')).toBe(true);

    c.write('e APPEND INBOX {5}\r\n');
    expect(await c.readLine()).toMatch(/^\+ /);
    c.write('again\r\n');
    expect((await c.readUntil((l) => l.startsWith('e '))).at(-1)).toMatch(/^e OK/);

    const other = await RawClient.connect(server.port);
    expect((await other.command('x', 'LOGIN fred pass')).at(-1)).toMatch(/^x OK/);
    c.write('f IDLE\r\n');
    expect(await c.readLine()).toMatch(/^\+ /);
    expect((await other.command('y', 'APPEND INBOX {4+}\r\nmore')).at(-1)).toMatch(/^y OK/);
    await c.readUntil((l) => l === '* 3 EXISTS');
    c.write('DONE\r\ng LOGOUT\r\n');
    const end = await c.readUntil((l) => l.startsWith('g '));
    expect(end.filter((l) => /^[fg] /.test(l)).map((l) => l.slice(0, 4))).toEqual(['f OK', 'g OK']);
    other.close();
    // The sessions went through the turn share (with it bypassed this stays put).
    expect(waited - before).toBeGreaterThan(5);
  });
});
