import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  server.imap.deps.store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  const inbox = server.imap.deps.store.openMailbox('user.fred');
  try {
    await inbox.append([
      { content: Buffer.from('From: a@example.com\r\nSubject: one\r\n\r\n1\r\n'), flags: ['\\Seen'] },
      { content: Buffer.from('From: b@example.com\r\nSubject: two\r\n\r\n2\r\n') },
    ]);
  } finally {
    inbox.close();
  }
}, 60_000);
afterAll(async () => {
  await server.close();
});

describe('Python imaplib as a desktop client', () => {
  it('runs the start-up sequence and IDLE', async () => {
    // Asynchronous: the server runs in this process and must keep serving while Python talks to it.
    const result = await new Promise<{ status: number | null; out: string }>((resolve) => {
      execFile('python3', [join(import.meta.dirname, 'fixtures', 'desktop_startup.py'), server.host, String(server.port), 'fred', 'pass'], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
        resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
      });
    });
    expect(result.out).toContain('ok');
    expect(result.status).toBe(0);
  });
});
