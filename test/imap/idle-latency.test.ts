import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt, RawClient, startTestServer, type TestServer } from './harness.js';

// Latency figures are printed, never asserted (bench/ measures them properly).
// Each test has its own server and an empty INBOX, so each passes alone and in any order.
let server: TestServer;

beforeAll(() => {
  ensureBuilt();
}, 120_000);
beforeEach(async () => {
  server = await startTestServer({ notify: true });
  // Only the change notification may wake IDLE here: the slow safety-net poll is out of the way.
  server.imap.deps.limits.idlePollMs = 3_600_000;
});
afterEach(async () => {
  await server.close();
});

/** An idling client, and when (epoch ms) its first `EXISTS` arrived on the socket. */
async function idling(): Promise<{ c: RawClient; existsAt: () => number }> {
  const c = await RawClient.connect(server.port);
  await c.command('a', 'LOGIN fred pass');
  await c.command('b', 'SELECT INBOX');
  c.write('i IDLE\r\n');
  expect(await c.readLine()).toBe('+ idling');
  let at = 0;
  c.socket.on('data', (chunk: string) => {
    if (at === 0 && chunk.includes(' EXISTS\r\n')) at = performance.timeOrigin + performance.now();
  });
  return { c, existsAt: () => at };
}

async function done(c: RawClient): Promise<void> {
  c.write('DONE\r\n');
  expect((await c.readUntil((l) => l.startsWith('i '))).at(-1)).toMatch(/^i OK/);
  c.close();
}

describe('IDLE sees appends', () => {
  it('made by another connection', async () => {
    const { c, existsAt } = await idling();
    const writer = await RawClient.connect(server.port);
    await writer.command('a', 'LOGIN fred pass');
    const body = 'Subject: other connection\r\n\r\nbody\r\n';
    writer.write(`ap APPEND INBOX {${body.length}+}\r\n${body}\r\n`);
    await writer.readUntil((l) => l.startsWith('ap OK'));
    const acked = performance.timeOrigin + performance.now();
    const lines = await c.readUntil((l) => /^\* \d+ EXISTS$/.test(l), 5000);
    const latency = existsAt() - acked;
    expect(lines.at(-1)).toBe('* 1 EXISTS');
    console.log(`IDLE latency, APPEND OK on another connection → * EXISTS: ${latency.toFixed(2)} ms`);
    writer.close();
    await done(c);
  });

  it('made by another process', async () => {
    const { c, existsAt } = await idling();
    const { stdout } = await promisify(execFile)(process.execPath, [join(import.meta.dirname, 'fixtures', 'append-child.mjs'), join(server.dir, 'imapd.conf'), 'user.fred', '1']);
    const appended = Number(stdout.trim().split('\n')[0]);
    const lines = await c.readUntil((l) => /^\* \d+ EXISTS$/.test(l), 5000);
    const latency = existsAt() - appended;
    expect(lines.at(-1)).toBe('* 1 EXISTS');
    // Measured from append() returning in the child: the change is published before it returns, so
    // this can be below zero (two processes' clocks agree to well under a millisecond here).
    console.log(`IDLE latency, append returned in another process → * EXISTS: ${latency.toFixed(2)} ms`);
    await done(c);
  });
});
