// Python's smtplib.LMTP as a real client, over the UNIX socket and over TCP with AUTH.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestLmtp, storedMessages, type TestLmtp } from './harness.js';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, 'fixtures', 'lmtp_client.py');
let server: TestLmtp;

beforeAll(async () => {
  server = await startTestLmtp({ users: ['fred', 'joe'] });
});
afterAll(async () => server.close());

async function python(args: string[]): Promise<{ mail: number; extensions: string[]; rcpt: Record<string, number>; data: number[] }> {
  const { stdout } = await run('python3', [SCRIPT, ...args], { timeout: 20_000 });
  return JSON.parse(stdout) as never;
}

it('delivers over the UNIX socket: one reply per recipient, unknown users refused at RCPT', async () => {
  const result = await python([server.socketPath, '-', '-', 'fred', 'nobody', 'joe@lmtp.test']);
  expect(result.extensions).toEqual(expect.arrayContaining(['pipelining', 'enhancedstatuscodes', 'chunking', '8bitmime']));
  expect(result.rcpt).toEqual({ fred: 250, nobody: 550, 'joe@lmtp.test': 250 });
  expect(result.data).toEqual([250, 250]);
  for (const box of ['user.fred', 'user.joe']) {
    const [stored] = await storedMessages(server.store, box);
    expect(stored).toContain('Subject: via python\r\n');
    expect(stored).toContain('\r\n\r\n.dot first\r\nbody\r\n');
  }
});

it('delivers over TCP after AUTH', async () => {
  const result = await python([`127.0.0.1:${server.port}`, 'fred', 'pass', 'joe']);
  expect(result.extensions).toContain('auth');
  expect(result.data).toEqual([250]);
  expect(await storedMessages(server.store, 'user.joe')).toHaveLength(2);
});

it('is refused on TCP without AUTH', async () => {
  const result = await python([`127.0.0.1:${server.port}`, '-', '-', 'joe']);
  expect(result.mail).toBe(530);
  expect(result.data).toEqual([]);
});
