// Which mailbox an RCPT TO names: +detail (with the p right), fuzzy matching, shared folders via
// postuser, lmtp_downcase_rcpt, the domain part with virtdomains off, autocreate_post.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LmtpClient, message, startTestLmtp, storedMessages, type TestLmtp } from './harness.js';

let server: TestLmtp;
let counter = 0;

beforeAll(async () => {
  server = await startTestLmtp({
    users: ['fred', 'joe'],
    conf: ['unixhierarchysep: no', 'postuser: bb', 'lmtp_fuzzy_mailbox_match: yes', 'autocreate_post: yes', 'autocreate_quota: 0', 'autocreate_inbox_folders: Sent'],
  });
  const { store } = server;
  store.createMailbox('user.fred.Lists', { acl: 'fred\tlrswipkxtecdan\tanyone\tp\t' });
  store.createMailbox('user.fred.Lists.Work Stuff', { acl: 'fred\tlrswipkxtecdan\tanyone\tp\t' });
  store.createMailbox('user.fred.Private', { acl: 'fred\tlrswipkxtecdan\t' });
  store.createMailbox('user.fred.Snoozed', { acl: 'fred\tlrswipkxtecdan\tanyone\tp\t', specialUse: '\\Snoozed' });
  store.createMailbox('shared', { acl: 'anyone\tlrs\t' });
  store.createMailbox('shared.blah', { acl: 'anyone\tlrsp\t' });
  store.createMailbox('shared.closed', { acl: 'anyone\tlrs\t' });
});
afterAll(async () => server.close());

/** Deliver one message to `rcpt` over the UNIX socket; the RCPT reply and the final reply. */
async function deliver(rcpt: string): Promise<{ rcpt: string; final: string | null; id: string }> {
  const id = `r${++counter}@test`;
  const c = await LmtpClient.connect({ path: server.socketPath });
  await c.command('LHLO x');
  await c.command('MAIL FROM:<s@x>');
  const rcptReply = await c.command(`RCPT TO:<${rcpt}>`);
  let final: string | null = null;
  if (rcptReply.startsWith('250')) {
    await c.command('DATA');
    c.write(`${message(id)}.\r\n`);
    [final] = await c.replies(1);
  }
  c.close();
  return { rcpt: rcptReply, final, id };
}

async function holds(mailbox: string, id: string): Promise<boolean> {
  return (await storedMessages(server.store, mailbox)).some((m) => m.includes(`Message-ID: <${id}>`));
}

describe('+detail', () => {
  it('delivers to the folder when it exists and anyone may post', async () => {
    const r = await deliver('fred+Lists@lmtp.test');
    expect(r.final).toMatch(/^250 2\.1\.5 /);
    expect(await holds('user.fred.Lists', r.id)).toBe(true);
  });

  it('falls back to INBOX without the p right, for a missing folder, and for an excluded special use', async () => {
    for (const rcpt of ['fred+Private', 'fred+Nowhere', 'fred+Snoozed']) {
      const r = await deliver(rcpt);
      expect(r.final).toMatch(/^250 /);
      expect(await holds('user.fred', r.id)).toBe(true);
    }
  });

  it('matches fuzzily: case and whitespace ignored, else the parent', async () => {
    const exact = await deliver('fred+lists.workstuff');
    expect(await holds('user.fred.Lists.Work Stuff', exact.id)).toBe(true);
    const parent = await deliver('fred+LISTS.nothing');
    expect(await holds('user.fred.Lists', parent.id)).toBe(true);
  });

  it('lowercases the user part, not the detail (lmtp_downcase_rcpt)', async () => {
    const r = await deliver('FRED+Lists@LMTP.TEST');
    expect(await holds('user.fred.Lists', r.id)).toBe(true);
  });
});

describe('shared folders', () => {
  it('delivers +shared.blah and postuser+shared.blah when anyone may post', async () => {
    const plain = await deliver('+shared.blah');
    expect(plain.final).toMatch(/^250 /);
    const viaPostuser = await deliver('bb+shared.blah@lmtp.test');
    expect(viaPostuser.final).toMatch(/^250 /);
    expect(await holds('shared.blah', plain.id)).toBe(true);
    expect(await holds('shared.blah', viaPostuser.id)).toBe(true);
  });

  it('refuses a shared folder without p (550 5.7.1) and a missing one (550 5.1.1)', async () => {
    expect((await deliver('+shared.closed')).rcpt).toMatch(/^550 5\.7\.1 /);
    expect((await deliver('+shared.none')).rcpt).toMatch(/^550 5\.1\.1 /);
    expect((await deliver('bb')).rcpt).toMatch(/^550 5\.1\.1 /);
  });
});

describe('users', () => {
  it('drops the domain with virtdomains off', async () => {
    const r = await deliver('joe@any.where.example');
    expect(await holds('user.joe', r.id)).toBe(true);
  });

  it('creates a missing INBOX on delivery with autocreate_post', async () => {
    expect(server.store.lookup('user.newbie')).toBeNull();
    const r = await deliver('newbie@lmtp.test');
    expect(r.final).toMatch(/^250 /);
    expect(await holds('user.newbie', r.id)).toBe(true);
    expect(server.store.lookup('user.newbie.Sent')).not.toBeNull();
  });

  it('refuses a userid that cannot be a mailbox name', async () => {
    expect((await deliver('"a b"@lmtp.test')).rcpt).toMatch(/^550 5\.1\.1 /);
  });
});
