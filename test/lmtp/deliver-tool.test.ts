// The deliver subcommand (Cyrus's deliver(8)): stdin → lmtpd over the lmtp UNIX socket.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runDeliver } from '../../src/tools/deliver.js';
import { ensureBuilt } from '../imap/harness.js';
import { message, startTestLmtp, storedMessages, type TestLmtp } from './harness.js';

let server: TestLmtp;
let conf: string;

beforeAll(async () => {
  server = await startTestLmtp({ users: ['fred', 'joe'] });
  server.store.createMailbox('user.fred.Lists', { acl: 'fred\tlrswipkxtecdan\tjoe\tp\t' });
  server.store.createMailbox('shared', { acl: 'anyone\tlrsp\t' });
  conf = join(server.dir, 'imapd.conf');
});
afterAll(async () => server.close());

async function deliver(userids: string[], text: string, opts: Record<string, unknown> = {}): Promise<{ status: number; err: string }> {
  let err = '';
  const status = await runDeliver(userids, Buffer.from(text), { config: conf, ...opts }, (t) => (err += t));
  return { status, err };
}

it('delivers to several users with -r as the Return-Path', async () => {
  expect(await deliver(['fred', 'joe'], message('d1@x'), { returnPath: 'bounce@example.org' })).toEqual({ status: 0, err: '' });
  for (const box of ['user.fred', 'user.joe']) {
    expect((await storedMessages(server.store, box)).at(-1)).toMatch(/^Return-Path: <bounce@example\.org>\r\n/);
  }
});

it('files into userid+mailbox with -m when -a has the p right, else into INBOX', async () => {
  await deliver(['fred'], message('d2@x'), { mailbox: 'Lists', auth: 'joe' });
  expect((await storedMessages(server.store, 'user.fred.Lists')).some((m) => m.includes('<d2@x>'))).toBe(true);
  await deliver(['fred'], message('d3@x'), { mailbox: 'Lists' });
  expect((await storedMessages(server.store, 'user.fred')).some((m) => m.includes('<d3@x>'))).toBe(true);
});

it('delivers to a shared mailbox with -m and no userid', async () => {
  expect((await deliver([], message('d4@x'), { mailbox: 'shared' })).status).toBe(0);
  expect((await storedMessages(server.store, 'shared')).some((m) => m.includes('<d4@x>'))).toBe(true);
});

it('exits 67 for an unknown user and still delivers to the others', async () => {
  const result = await deliver(['nobody', 'joe'], message('d5@x'));
  expect(result.status).toBe(67);
  expect(result.err).toMatch(/nobody: 550 5\.1\.1/);
  expect((await storedMessages(server.store, 'user.joe')).some((m) => m.includes('<d5@x>'))).toBe(true);
});

it('reads stdin as the command-line tool, bare LF line ends included', async () => {
  ensureBuilt();
  const cli = join(import.meta.dirname, '..', '..', 'dist', 'bin', 'cyrusts.js');
  await new Promise<void>((resolve, reject) => {
    const child = execFile(process.execPath, [cli, 'deliver', '-C', conf, '-f', 'cli@example.org', 'joe'], (error) => (error ? reject(error) : resolve()));
    child.stdin!.end('From: a@b\nSubject: from stdin\nMessage-ID: <stdin@x>\n\n.leading dot\n');
  });
  const last = (await storedMessages(server.store, 'user.joe')).at(-1)!;
  expect(last).toMatch(/^Return-Path: <cli@example\.org>\r\n/);
  expect(last).toContain('Subject: from stdin\r\n');
  expect(last.endsWith('\r\n\r\n.leading dot\r\n')).toBe(true);
});
