// Cyrus's per-user protocol telemetry for ManageSieve (timsieved keeps it as imapd and pop3d do):
// with {configdirectory}/log/USER present, the trace starts with the first command after the
// AUTHENTICATE's answer; the credentials never reach it.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SieveClient, startSieveServer, type SieveTestServer } from './harness.js';

let server: SieveTestServer;

beforeAll(async () => {
  server = await startSieveServer();
  mkdirSync(join(server.dir, 'conf', 'log', 'fred'), { recursive: true });
}, 60_000);
afterAll(async () => {
  await server?.close();
});

describe('ManageSieve telemetry log (log/USER)', () => {
  it('traces the commands after AUTHENTICATE and their answers, not the credentials; nothing for a user without a directory', async () => {
    const joe = await SieveClient.connect(server);
    expect((await joe.login('joe')).status).toMatch(/^OK/);
    expect((await joe.command('LISTSCRIPTS')).status).toMatch(/^OK/);
    joe.socket.destroy();

    const c = await SieveClient.connect(server);
    expect((await c.login('fred')).status).toMatch(/^OK/);
    expect((await c.command('LISTSCRIPTS')).status).toMatch(/^OK/);
    expect((await c.command('HAVESPACE "a" 100')).status).toMatch(/^OK/);
    expect((await c.command('LOGOUT')).status).toMatch(/^OK/);
    c.socket.destroy();

    const dir = join(server.dir, 'conf', 'log', 'fred');
    const deadline = Date.now() + 10_000;
    let files: string[] = [];
    let text = '';
    while (!text.includes('<LOGOUT\r\n>') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      files = readdirSync(dir);
      text = files.length === 1 ? readFileSync(join(dir, files[0]!), 'latin1') : '';
    }
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d+-\S+$/);
    expect(text).toMatch(/^---------- fred (Sun|Mon|Tue|Wed|Thu|Fri|Sat) \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n\n<\d{10}<LISTSCRIPTS\r\n>\d{10}>/);
    expect(text).toMatch(/<\d{10}<HAVESPACE "a" 100\r\n>\d{10}>OK/);
    expect(text).not.toContain('AUTHENTICATE');
    expect(text).not.toContain(Buffer.from('\0fred\0pass').toString('base64'));
    // joe has no directory: nothing was made for him.
    const traced = readdirSync(join(server.dir, 'conf', 'log'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(traced).toEqual(['fred']);
  });
});
