// The `* STATUS` line (commands/mailbox/status.ts): every item with its value, in the order asked,
// an item asked twice once in its first place, a name that needs quoting quoted; the same line
// from STATUS and from LIST-STATUS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let uniqueId = '';

beforeAll(async () => {
  server = await startTestServer();
  const store = server.imap.deps.store;
  store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  store.createMailbox('user.fred.Two Words', { acl: 'fred\tlrswipkxtecdan\t' });
  uniqueId = store.lookup('user.fred.Two Words')!.uniqueId;
  const box = store.openMailbox('user.fred.Two Words');
  try {
    const content = (i: number) => Buffer.from(`Subject: s${i}\r\n\r\nbody ${i}\r\n`);
    await box.append([
      { content: content(1), flags: ['\\Seen'] }, { content: content(2), flags: ['\\Deleted'] }, { content: content(3) },
    ], { userid: 'fred' });
  } finally {
    box.close();
  }
});
afterAll(async () => {
  await server.close();
});

describe('the STATUS line', () => {
  it('has each item once, in the order asked, with its value', async () => {
    const c = await RawClient.connect(server.port);
    expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
    const size = (await c.command('z', 'STATUS "Two Words" (SIZE)'))[0]!.match(/SIZE (\d+)/)![1];
    const lines = await c.command('s', 'STATUS "Two Words" (UIDNEXT MESSAGES UNSEEN MESSAGES DELETED SIZE RECENT UIDNEXT MAILBOXID HIGHESTMODSEQ)');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\* STATUS "Two Words" \\(UIDNEXT 4 MESSAGES 3 UNSEEN 2 DELETED 1 SIZE ${size} RECENT 3 MAILBOXID \\(${uniqueId}\\) HIGHESTMODSEQ \\d+\\)$`));
    expect(lines[1]).toBe('s OK STATUS completed');
    const listed = await c.command('t', 'LIST "" "Two Words" RETURN (STATUS (MESSAGES UNSEEN MESSAGES))');
    expect(listed).toContain('* STATUS "Two Words" (MESSAGES 3 UNSEEN 2)');
    c.close();
  });
});
