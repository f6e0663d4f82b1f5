// LMTP on the wire: order of commands, malformed commands, pipelining, DATA and BDAT, one reply
// per recipient, every failure class at RCPT and after DATA.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailError } from '../../src/common/index.js';
import { LmtpClient, message, startTestLmtp, storedMessages, type TestLmtp } from './harness.js';

let server: TestLmtp;
const overQuota = new Set<string>();

beforeAll(async () => {
  server = await startTestLmtp({
    users: ['fred', 'joe', 'full'],
    conf: ['maxmessagesize: 2000'],
    quota: {
      check(mailbox) {
        if (overQuota.has(mailbox.name)) throw new MailError('OverQuota', 'over quota');
      },
    },
  });
  overQuota.add('user.full');
});
afterAll(async () => server.close());

async function unix(): Promise<LmtpClient> {
  const c = await LmtpClient.connect({ path: server.socketPath });
  expect(await c.command('LHLO client.test')).toMatch(/^250 /m);
  return c;
}

describe('greeting and LHLO', () => {
  it('greets 220 and lists the extensions', async () => {
    const c = await LmtpClient.connect({ path: server.socketPath });
    expect(c.greeting).toMatch(/^220 lmtp\.test LMTP/);
    const lhlo = await c.command('LHLO client.test');
    const lines = lhlo.split('\n').map((l) => l.slice(4));
    expect(lines[0]).toBe('lmtp.test');
    for (const ext of ['PIPELINING', 'ENHANCEDSTATUSCODES', '8BITMIME', 'SIZE 2000', 'CHUNKING', 'SMTPUTF8', 'IGNOREQUOTA']) expect(lines).toContain(ext);
    expect(lines.some((l) => l.startsWith('AUTH'))).toBe(false); // not on the UNIX socket
    c.close();
  });

  it('offers AUTH on TCP', async () => {
    const c = await LmtpClient.connect({ port: server.port });
    const lhlo = await c.command('LHLO client.test');
    expect(lhlo).toMatch(/250.AUTH .*PLAIN/);
    c.close();
  });

  it('refuses HELO and EHLO: LMTP says LHLO', async () => {
    const c = await LmtpClient.connect({ path: server.socketPath });
    expect(await c.command('EHLO client.test')).toMatch(/^500 5\.5\.2 /);
    expect(await c.command('HELO client.test')).toMatch(/^500 5\.5\.2 /);
    c.close();
  });
});

describe('wrong order and malformed commands', () => {
  it('wants LHLO before MAIL, MAIL before RCPT, RCPT before DATA', async () => {
    const c = await LmtpClient.connect({ path: server.socketPath });
    expect(await c.command('MAIL FROM:<a@b.c>')).toMatch(/^503 5\.5\.1 /);
    expect(await c.command('LHLO x')).toMatch(/^250/);
    expect(await c.command('RCPT TO:<fred>')).toMatch(/^503 5\.5\.1 /);
    expect(await c.command('DATA')).toMatch(/^503 5\.5\.1 /);
    expect(await c.command('MAIL FROM:<a@b.c>')).toMatch(/^250 2\.1\.0 /);
    expect(await c.command('MAIL FROM:<a@b.c>')).toMatch(/^503 5\.5\.1 /);
    expect(await c.command('DATA')).toMatch(/^503 5\.5\.1 /);
    expect(await c.command('RSET')).toMatch(/^250 2\.0\.0 /);
    expect(await c.command('RCPT TO:<fred>')).toMatch(/^503 5\.5\.1 /);
    c.close();
  });

  it('answers syntax errors with 5.5.x codes and keeps going', async () => {
    const c = await unix();
    expect(await c.command('FOO')).toMatch(/^500 5\.5\.2 /);
    expect(await c.command('')).toMatch(/^500 5\.5\.2 /);
    expect(await c.command('MAIL a@b.c')).toMatch(/^501 5\.5\.4 /);
    expect(await c.command('MAIL FROM:a@b.c')).toMatch(/^501 5\.1\.7 /);
    expect(await c.command('MAIL FROM:<a@b.c> FROB=1')).toMatch(/^555 5\.5\.4 /);
    expect(await c.command('MAIL FROM:<a@b.c> SIZE=x')).toMatch(/^501 5\.5\.4 /);
    expect(await c.command('MAIL FROM:<a@b.c> BODY=8BITMIME SIZE=100')).toMatch(/^250 2\.1\.0 /);
    expect(await c.command('RCPT TO:<fred')).toMatch(/^501 5\.1\.3 /);
    expect(await c.command('RCPT TO:<fred> BOGUS')).toMatch(/^555 5\.5\.4 /);
    expect(await c.command('BDAT x')).toMatch(/^501 5\.5\.4 /);
    expect(await c.command('NOOP')).toMatch(/^250 2\.0\.0 /);
    expect(await c.command('VRFY fred')).toMatch(/^252 2\.5\.0 /);
    expect(await c.command(`NOOP ${'x'.repeat(5000)}`)).toMatch(/^500 5\.5\.6 /);
    expect(await c.command('NOOP')).toMatch(/^250 2\.0\.0 /);
    expect(await c.command('QUIT')).toMatch(/^221 2\.0\.0 /);
    await c.waitClosed();
  });
});

describe('delivery', () => {
  it('delivers with DATA: dot-unstuffing, Return-Path and Received, one reply per recipient', async () => {
    const c = await unix();
    expect(await c.command('MAIL FROM:<sender@example.org>')).toMatch(/^250 /);
    expect(await c.command('RCPT TO:<fred@lmtp.test>')).toMatch(/^250 2\.1\.5 /);
    expect(await c.command('RCPT TO:<joe>')).toMatch(/^250 2\.1\.5 /);
    expect(await c.command('DATA')).toMatch(/^354 /);
    c.write(message('dots@x', 'line one\r\n..leading dot\r\n.\r\n'.slice(0, -3)) + '.\r\n');
    expect(await c.replies(2)).toEqual([expect.stringMatching(/^250 2\.1\.5 /), expect.stringMatching(/^250 2\.1\.5 /)]);
    const [stored] = await storedMessages(server.store, 'user.fred');
    expect(stored).toMatch(/^Return-Path: <sender@example\.org>\r\nReceived: from client\.test \(localhost\)\r\n\tby lmtp\.test \(cyrusts\) with LMTP id /);
    expect(stored).toContain('\r\n\r\nline one\r\n.leading dot\r\n');
    expect(stored.endsWith('.leading dot\r\n')).toBe(true);
    expect(await storedMessages(server.store, 'user.joe')).toHaveLength(1);
    c.close();
  });

  it('refuses unknown users at RCPT with 550 5.1.1 and delivers to the rest', async () => {
    const c = await unix();
    await c.command('MAIL FROM:<>');
    expect(await c.command('RCPT TO:<nobody@lmtp.test>')).toMatch(/^550 5\.1\.1 /);
    expect(await c.command('RCPT TO:<joe>')).toMatch(/^250 /);
    expect(await c.command('DATA')).toMatch(/^354 /);
    c.write(`${message('unknown@x')}.\r\n`);
    expect(await c.replies(1)).toEqual([expect.stringMatching(/^250 2\.1\.5 /)]);
    const joe = await storedMessages(server.store, 'user.joe');
    expect(joe.at(-1)).toMatch(/^Return-Path: <>\r\n/);
    c.close();
  });

  it('refuses a too-big message: SIZE= at MAIL, and after DATA for each recipient', async () => {
    const c = await unix();
    expect(await c.command('MAIL FROM:<a@b.c> SIZE=5000')).toMatch(/^552 5\.3\.4 /);
    expect(await c.command('MAIL FROM:<a@b.c>')).toMatch(/^250 /);
    await c.command('RCPT TO:<fred>');
    await c.command('RCPT TO:<joe>');
    const before = (await storedMessages(server.store, 'user.fred')).length;
    expect(await c.command('DATA')).toMatch(/^354 /);
    c.write(`${message('big@x', 'x'.repeat(78) + '\r\n').repeat(1)}${('y'.repeat(98) + '\r\n').repeat(30)}.\r\n`);
    expect(await c.replies(2)).toEqual([expect.stringMatching(/^552 5\.3\.4 /), expect.stringMatching(/^552 5\.3\.4 /)]);
    expect(await storedMessages(server.store, 'user.fred')).toHaveLength(before);
    expect(await c.command('NOOP')).toMatch(/^250 /); // the session goes on
    c.close();
  });

  it('answers over quota 452 4.2.2 at RCPT unless IGNOREQUOTA', async () => {
    const c = await unix();
    await c.command('MAIL FROM:<a@b.c>');
    expect(await c.command('RCPT TO:<full>')).toMatch(/^452 4\.2\.2 /);
    expect(await c.command('RCPT TO:<full> IGNOREQUOTA')).toMatch(/^250 /);
    c.close();
  });

  it('answers a storage failure with a temporary 4xx, never 5xx, and stores nothing', async () => {
    const { rmSync, writeFileSync } = await import('node:fs');
    server.store.createMailbox('user.fred.broken', { acl: 'fred\tlrswipkxtecdan\tanyone\tp\t' });
    const dir = server.store.directoryOf('user.fred.broken', 'default');
    const c = await unix();
    await c.command('MAIL FROM:<a@b.c>');
    expect(await c.command('RCPT TO:<fred+broken>')).toMatch(/^250 /);
    rmSync(dir, { recursive: true, force: true });
    writeFileSync(dir, 'not a directory');
    expect(await c.command('DATA')).toMatch(/^354 /);
    c.write(`${message('broken@x')}.\r\n`);
    const [answer] = await c.replies(1);
    expect(answer).toMatch(/^4\d\d 4\.\d\.\d /);
    rmSync(dir, { force: true });
    c.close();
  });

  it('pipelines: the whole transaction in one write, replies in order', async () => {
    const c = await unix();
    c.write(`MAIL FROM:<p@x>\r\nRCPT TO:<fred>\r\nRCPT TO:<ghost>\r\nRCPT TO:<joe>\r\nDATA\r\n`);
    const replies = await c.replies(5);
    expect(replies.map((r) => r.slice(0, 9))).toEqual(['250 2.1.0', '250 2.1.5', '550 5.1.1', '250 2.1.5', '354 Go ah']);
    c.write(`${message('pipe@x')}.\r\nMAIL FROM:<p@x>\r\nRCPT TO:<fred>\r\nBDAT 10\r\n0123456789BDAT 0 LAST\r\nQUIT\r\n`);
    const more = await c.replies(7);
    expect(more.map((r) => r.slice(0, 9))).toEqual(['250 2.1.5', '250 2.1.5', '250 2.1.0', '250 2.1.5', '250 2.0.0', '250 2.1.5', '221 2.0.0']);
    await c.waitClosed();
    expect((await storedMessages(server.store, 'user.fred')).at(-1)).toMatch(/\r\n0123456789$/);
    c.close();
  });

  it('delivers with BDAT chunks (CHUNKING), no dot-unstuffing', async () => {
    const c = await unix();
    await c.command('MAIL FROM:<c@x> BODY=BINARYMIME');
    await c.command('RCPT TO:<fred>');
    const text = message('chunks@x', '.not stuffed\r\n');
    const half = Math.floor(text.length / 2);
    c.write(`BDAT ${half}\r\n${text.slice(0, half)}`);
    expect(await c.replies(1)).toEqual([expect.stringMatching(/^250 2\.0\.0 /)]);
    c.write(`BDAT ${text.length - half} LAST\r\n${text.slice(half)}`);
    expect(await c.replies(1)).toEqual([expect.stringMatching(/^250 2\.1\.5 /)]);
    const stored = await storedMessages(server.store, 'user.fred');
    expect(stored.at(-1)).toContain('Message-ID: <chunks@x>\r\n\r\n.not stuffed\r\n');
    expect(await c.command('DATA')).toMatch(/^503 /); // transaction over
    c.close();
  });

  it('refuses DATA after BDAT and reads the chunk of a refused BDAT', async () => {
    const c = await unix();
    c.write('BDAT 5\r\nhelloNOOP\r\n');
    expect(await c.replies(2)).toEqual([expect.stringMatching(/^503 5\.5\.1 /), expect.stringMatching(/^250 2\.0\.0 /)]);
    await c.command('MAIL FROM:<c@x>');
    await c.command('RCPT TO:<fred>');
    c.write('BDAT 3\r\nabc');
    await c.replies(1);
    expect(await c.command('DATA')).toMatch(/^503 5\.5\.1 /);
    c.close();
  });
});
