/**
 * Cyrus's shutdown file, {configdirectory}/msg/shutdown: while it exists, a new connection gets
 * `* BYE` with its first line instead of the greeting, and a session ends before its next command
 * with `* BYE [ALERT]` (administrators go on). METADATA's server entry
 * /shared/vendor/cmu/cyrus-imapd/shutdown (cyradm's `setinfo shutdown`) is that file.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
const shutdownFile = () => join(server.dir, 'conf', 'msg', 'shutdown');

/** Everything a fresh connection receives until the server closes it (or 2 s pass). */
function firstWords(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let text = '';
    const done = (): void => {
      socket.destroy();
      resolve(text);
    };
    const timer = setTimeout(done, 2000);
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.on('error', () => undefined);
  });
}

beforeAll(async () => {
  server = await startTestServer({ users: ['fred', 'admin'] });
});
afterAll(async () => server.close());
afterEach(() => rmSync(shutdownFile(), { force: true }));

describe('msg/shutdown', () => {
  it('refuses new connections with its first line, and greets again once it is gone', async () => {
    mkdirSync(join(server.dir, 'conf', 'msg'), { recursive: true });
    writeFileSync(shutdownFile(), 'Upgrade until 06:00\nnot sent\n');
    expect(await firstWords(server.port)).toBe('* BYE Upgrade until 06:00\r\n');
    rmSync(shutdownFile());
    const c = await RawClient.connect(server.port);
    expect((await c.command('a', 'LOGIN fred pass')).at(-1)).toMatch(/^a OK/);
    c.close();
  });

  it('ends a user session before its next command; an administrator goes on', async () => {
    const fred = await RawClient.connect(server.port);
    expect((await fred.command('a', 'LOGIN fred pass')).at(-1)).toMatch(/^a OK/);
    const admin = await RawClient.connect(server.port);
    expect((await admin.command('a', 'LOGIN admin pass')).at(-1)).toMatch(/^a OK/);
    mkdirSync(join(server.dir, 'conf', 'msg'), { recursive: true });
    writeFileSync(shutdownFile(), 'Going down now\n');
    fred.write('b NOOP\r\n');
    expect(await fred.readUntil((l) => l.startsWith('* BYE'))).toEqual(['* BYE [ALERT] Going down now']);
    expect((await admin.command('b', 'NOOP')).at(-1)).toMatch(/^b OK/);
    admin.close();
    fred.close();
  });

  it('is METADATA\'s server shutdown entry: an administrator sets and clears it', async () => {
    const admin = await RawClient.connect(server.port);
    expect((await admin.command('a', 'LOGIN admin pass')).at(-1)).toMatch(/^a OK/);
    const entry = '/shared/vendor/cmu/cyrus-imapd/shutdown';
    expect((await admin.command('b', `SETMETADATA "" (${entry} "Back at noon")`)).at(-1)).toMatch(/^b OK/);
    expect(readFileSync(shutdownFile(), 'utf8')).toBe('Back at noon\n');
    expect(await admin.command('c', `GETMETADATA "" ${entry}`)).toContain(`* METADATA "" ("${entry}" "Back at noon")`);
    expect(await firstWords(server.port)).toBe('* BYE Back at noon\r\n');
    expect((await admin.command('d', `SETMETADATA "" (${entry} NIL)`)).at(-1)).toMatch(/^d OK/);
    expect(existsSync(shutdownFile())).toBe(false);
    admin.close();
  });
});
