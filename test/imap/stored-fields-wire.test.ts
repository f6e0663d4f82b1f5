/**
 * Issues 15 and 16 over the wire: SORT, THREAD and SEARCH on header fields, flags, sizes and dates
 * answer from what the index stored at append, reading no summary, header block or message file;
 * BODY still reads the files of the messages the other keys leave undecided.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MessageReader } from '../../src/mailbox/reader.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

const MESSAGES = [
  ['From: "Zoe Z" <zoe@example.com>', 'To: bob@example.org', 'Subject: Re: lunch', 'Date: Tue, 2 Jan 2024 10:00:00 +0000', 'Message-ID: <b@x>', 'In-Reply-To: <a@x>'],
  ['From: alice (the boss) @ example.com', 'To: carol@example.net', 'Subject: lunch', 'Date: Mon, 1 Jan 2024 10:00:00 +0000', 'Message-ID: <a@x>'],
  ['From: Mike <mike@example.com>', 'Cc: Dave <dave@example.com>', 'Subject: [list] Budget', 'Date: Wed, 3 Jan 2024 10:00:00 +0000', 'Message-ID: <c@x>'],
  ['From: bob@example.org', 'Subject: Fwd: budget', 'Message-ID: <d@x>', 'References: <c@x>'],
];

beforeAll(async () => {
  server = await startTestServer();
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
  c.close();
  const mailbox = server.imap.deps.store.openMailbox('user.fred');
  try {
    await mailbox.append(MESSAGES.map((h, i) => ({ content: Buffer.from(`${h.join('\r\n')}\r\n\r\nbody ${i} ${'x'.repeat(i * 100)}\r\n`), flags: i === 1 ? ['\\Flagged'] : [] })), { userid: 'fred' });
  } finally {
    mailbox.close();
  }
}, 60_000);
afterAll(async () => {
  await server.close();
});

async function session(): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
  expect((await c.command('s', 'SELECT INBOX')).at(-1)).toMatch(/^s OK/);
  return c;
}

describe('answers from the stored fields', () => {
  it('SORT, THREAD and header / flag / size / date SEARCH read no summary, header block or file', async () => {
    const c = await session();
    const spies = [vi.spyOn(MessageReader.prototype, 'summaries'), vi.spyOn(MessageReader.prototype, 'searchHeaders'), vi.spyOn(MessageReader.prototype, 'readMessage')];
    try {
      expect(await c.command('a', 'SORT (SUBJECT) UTF-8 ALL')).toContain('* SORT 3 4 1 2');
      expect(await c.command('b', 'SORT (REVERSE DATE) UTF-8 ALL')).toContain('* SORT 4 3 1 2');
      expect(await c.command('c', 'SORT (FROM) UTF-8 NOT FROM zoe')).toContain('* SORT 2 4 3');
      expect(await c.command('d', 'UID SORT (DISPLAYFROM) UTF-8 ALL')).toContain('* SORT 4 3 2 1');
      expect(await c.command('e', 'THREAD REFERENCES UTF-8 ALL')).toContain('* THREAD (2 1)(3 4)');
      expect(await c.command('f', 'SEARCH FROM alice@example.com')).toContain('* SEARCH 2');
      expect(await c.command('g', 'SEARCH OR SUBJECT budget CC dave UNFLAGGED')).toContain('* SEARCH 3 4');
      expect(await c.command('h', 'SEARCH SENTBEFORE 2-Jan-2024 LARGER 50')).toContain('* SEARCH 2');
      expect(await c.command('i', 'SEARCH NOT CC ""')).toContain('* SEARCH 1 2 4');
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      // BODY reads only the files the cheaper keys left undecided.
      expect(await c.command('j', 'SEARCH SUBJECT lunch BODY "body 1"')).toContain('* SEARCH 2');
      expect(spies[2]!.mock.calls.map((call) => call[0])).toEqual([1, 2]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    c.close();
  });
});
