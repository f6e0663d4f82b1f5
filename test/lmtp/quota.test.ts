// Quota answers over LMTP (quotas.db): over quota 452 4.2.2 at RCPT, 552 5.2.2 with
// lmtp_over_quota_perm_failure, IGNOREQUOTA delivers anyway, lmtp_strict_quota refuses the message
// that would exceed (at RCPT from SIZE=, or after DATA).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LmtpClient, message, startTestLmtp, storedMessages, type TestLmtp } from './harness.js';

const NO_LIMITS = { STORAGE: null, MESSAGE: null, MAILBOX: null };

async function transaction(server: TestLmtp, rcpt: string, mailParams = '', body = 'hi\r\n', rcptParams = ''): Promise<{ rcpt: string; final: string | null }> {
  const c = await LmtpClient.connect({ path: server.socketPath });
  await c.command('LHLO x');
  await c.command(`MAIL FROM:<s@x>${mailParams}`);
  const rcptReply = await c.command(`RCPT TO:<${rcpt}>${rcptParams}`);
  let final: string | null = null;
  if (rcptReply.startsWith('250')) {
    await c.command('DATA');
    c.write(`${message(`q${Math.random()}@x`, body)}.\r\n`);
    [final] = await c.replies(1);
  }
  c.close();
  return { rcpt: rcptReply, final };
}

describe('default (delivery mode)', () => {
  let server: TestLmtp;
  beforeAll(async () => {
    server = await startTestLmtp({ users: ['full', 'roomy'] });
    server.store.setQuota('user.full', { ...NO_LIMITS, MESSAGE: 1 });
    server.store.setQuota('user.roomy', { ...NO_LIMITS, STORAGE: 1 });
    expect((await transaction(server, 'full')).final).toMatch(/^250 /); // the first message fills it
  });
  afterAll(async () => server.close());

  it('refuses a user at its limit with 452 4.2.2 at RCPT, and takes it with IGNOREQUOTA', async () => {
    expect((await transaction(server, 'full')).rcpt).toMatch(/^452 4\.2\.2 /);
    expect((await transaction(server, 'full', '', 'hi\r\n', ' IGNOREQUOTA')).final).toMatch(/^250 2\.1\.5 /);
    expect(await storedMessages(server.store, 'user.full')).toHaveLength(2);
  });

  it('takes a message that goes over the storage limit while the root is not over yet', async () => {
    expect((await transaction(server, 'roomy', ' SIZE=5000', 'x'.repeat(3000) + '\r\n')).final).toMatch(/^250 /);
    expect((await transaction(server, 'roomy')).rcpt).toMatch(/^452 4\.2\.2 /);
  });
});

describe('lmtp_over_quota_perm_failure and lmtp_strict_quota', () => {
  let server: TestLmtp;
  beforeAll(async () => {
    server = await startTestLmtp({ users: ['small', 'full'], conf: ['lmtp_over_quota_perm_failure: yes', 'lmtp_strict_quota: yes'] });
    server.store.setQuota('user.small', { ...NO_LIMITS, STORAGE: 2 });
    server.store.setQuota('user.full', { ...NO_LIMITS, MESSAGE: 0 });
  });
  afterAll(async () => server.close());

  it('answers over quota permanently', async () => {
    expect((await transaction(server, 'full')).rcpt).toMatch(/^552 5\.2\.2 /);
  });

  it('refuses a message that would exceed: at RCPT with SIZE=, after DATA without', async () => {
    expect((await transaction(server, 'small', ' SIZE=4000')).rcpt).toMatch(/^552 5\.2\.2 /);
    expect((await transaction(server, 'small', '', 'x'.repeat(4000) + '\r\n')).final).toMatch(/^552 5\.2\.2 /);
    expect(await storedMessages(server.store, 'user.small')).toHaveLength(0);
    expect((await transaction(server, 'small')).final).toMatch(/^250 /);
  });
});
