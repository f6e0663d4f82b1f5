// Cyrus's own client, lmtptest (Debian cyrus-clients), against our lmtpd over TCP: SASL (libsasl2),
// then a transaction piped from a file (-f).
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestLmtp, storedMessages, type TestLmtp } from './harness.js';

const LMTPTEST = ['/usr/lib/cyrus/bin/lmtptest', '/usr/bin/lmtptest'].find((p) => existsSync(p));
let server: TestLmtp;

beforeAll(async () => {
  server = await startTestLmtp({ users: ['fred'] });
});
afterAll(async () => server.close());

it.skipIf(!LMTPTEST).each(['PLAIN', 'SCRAM-SHA-256'])('authenticates with %s and delivers a piped transaction', async (mechanism) => {
  const script = join(server.dir, 'session.txt');
  writeFileSync(script, [
    'MAIL FROM:<lmtptest@example.org>',
    'RCPT TO:<fred>',
    'DATA',
    'From: lmtptest@example.org',
    'Subject: from lmtptest',
    `Message-ID: <lmtptest-${mechanism}@x>`,
    '',
    '..stuffed',
    '.',
    'QUIT',
    '',
  ].join('\r\n'));
  const output = await new Promise<string>((resolve) => {
    execFile(LMTPTEST!, ['-p', String(server.port), '-m', mechanism, '-a', 'fred', '-u', 'fred', '-w', 'pass', '-f', script, '127.0.0.1'], { timeout: 20_000 }, (_error, stdout, stderr) => resolve(stdout + stderr));
  });
  expect(output).toMatch(/235 2\.0\.0/);
  expect(output).toMatch(/250 2\.1\.5 Ok delivered/);
  const stored = (await storedMessages(server.store, 'user.fred')).find((m) => m.includes(`<lmtptest-${mechanism}@x>`))!;
  expect(stored).toContain('Subject: from lmtptest\r\n');
  expect(stored).toContain('\r\n\r\n.stuffed\r\n');
});
