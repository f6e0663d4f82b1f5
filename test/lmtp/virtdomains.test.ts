// Virtual domains: user@domain delivers into that domain's user; the default domain is the
// unqualified one; +detail inside a domain; an unknown domain user is 550 5.1.1.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LmtpClient, message, startTestLmtp, storedMessages, type TestLmtp } from './harness.js';

let server: TestLmtp;

beforeAll(async () => {
  server = await startTestLmtp({ users: ['fred', 'fred@example.com', 'ann@example.org'], conf: ['virtdomains: userid', 'defaultdomain: lmtp.test'] });
  server.store.createMailbox('example.com!user.fred.Lists', { acl: 'fred@example.com\tlrswipkxtecdan\tanyone\tp\t' });
  server.store.createMailbox('example.com!user.fred.Lists.v^2', { acl: 'fred@example.com\tlrswipkxtecdan\tanyone\tp\t' });
});
afterAll(async () => server.close());

async function send(rcpts: string[], id: string): Promise<string[]> {
  const c = await LmtpClient.connect({ path: server.socketPath });
  await c.command('LHLO x');
  await c.command('MAIL FROM:<s@x>');
  const out: string[] = [];
  for (const r of rcpts) out.push(await c.command(`RCPT TO:<${r}>`));
  await c.command('DATA');
  c.write(`${message(id)}.\r\n`);
  await c.replies(out.filter((r) => r.startsWith('250')).length);
  c.close();
  return out;
}

it('files each address in its own domain', async () => {
  const replies = await send(['fred@example.com', 'fred@lmtp.test', 'ann@example.org', 'fred+Lists@example.com', 'ann@example.com', 'fred+Lists/v.2@example.com'], 'vd@x');
  expect(replies.map((r) => r.slice(0, 9))).toEqual(['250 2.1.5', '250 2.1.5', '250 2.1.5', '250 2.1.5', '550 5.1.1', '250 2.1.5']);
  // unixhierarchysep (the default): the detail's separator is "/", a dot in it is part of the name
  for (const box of ['example.com!user.fred', 'user.fred', 'example.org!user.ann', 'example.com!user.fred.Lists', 'example.com!user.fred.Lists.v^2']) {
    expect((await storedMessages(server.store, box)).map((m) => m.includes('<vd@x>'))).toEqual([true]);
  }
});
