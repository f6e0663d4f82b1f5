/** Messages and helpers shared by the message-command tests (each test file starts its own server). */
import { RawClient, startTestServer, type TestServer } from '../harness.js';

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'utf8');

export const PLAIN = crlf([
  'Date: Wed, 10 Jan 2024 09:30:00 +0000',
  'From: "Fred Foo" <fred@example.com>',
  'To: Bob <bob@example.org>',
  'Cc: carol@example.net',
  'Subject: Hello world',
  'Message-ID: <plain@example.com>',
  'X-Tracking: alpha',
  '',
  'The quick brown fox jumps over the lazy dog.',
  '',
]);

/** A zero byte inside the base64 attachment, so BINARY must answer with literal8. */
export const ATTACHMENT = Buffer.from([0x41, 0x00, 0x42, 0xff, 0x43]);

export const MULTIPART = crlf([
  'Date: Mon, 5 Feb 2024 18:00:00 +0100',
  'From: alice@example.com',
  'To: fred@example.com',
  'Subject: =?UTF-8?B?R3LDvMOfZQ==?= from Alice',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="XX"',
  '',
  'preamble',
  '--XX',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Un caf=C3=A9 noir, s=',
  "'il vous pla=C3=AEt.",
  '--XX',
  'Content-Type: application/octet-stream; name="a.bin"',
  'Content-Transfer-Encoding: base64',
  'Content-Disposition: attachment; filename="a.bin"',
  '',
  ATTACHMENT.toString('base64'),
  '--XX',
  'Content-Type: message/rfc822',
  '',
  'From: inner@example.com',
  'Subject: inner subject',
  '',
  'inner body text',
  '--XX',
  'Content-Type: text/plain',
  'Content-Transfer-Encoding: x-unknown',
  '',
  'strange',
  '--XX--',
  '',
]);

export const BIG_BODY_LINES = 5000;
export const BIG = crlf([
  'Date: Tue, 20 Feb 2024 08:00:00 -0500',
  'From: big@example.com',
  'To: fred@example.com',
  'Subject: big one',
  '',
  ...Array.from({ length: BIG_BODY_LINES }, (_, i) => `line ${String(i).padStart(5, '0')} ${'x'.repeat(60)}`),
  '',
]);

/** Internal dates: local-time days so that BEFORE/ON/SINCE tests do not depend on the zone. */
export const DATES = [new Date(2024, 0, 10, 12, 0, 0), new Date(2024, 1, 5, 12, 0, 0), new Date(2024, 1, 20, 12, 0, 0)];

export async function startWithMessages(extra: { conf?: string[] } = {}): Promise<TestServer> {
  const server = await startTestServer({ conf: extra.conf });
  server.imap.deps.store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  server.imap.deps.store.createMailbox('user.fred.Archive', { acl: 'fred\tlrswipkxtecdan\t' });
  await seedMessages(server, 'user.fred');
  return server;
}

/** The three fixture messages, with dates and flags, into mailbox `name` (internal name). */
export async function seedMessages(server: TestServer, name: string): Promise<number[]> {
  return appendTo(server, name, [
    { content: PLAIN, internalDate: DATES[0], flags: ['\\Seen'] },
    { content: MULTIPART, internalDate: DATES[1], flags: ['\\Flagged', '$Important'] },
    { content: BIG, internalDate: DATES[2] },
  ]);
}

export async function appendTo(server: TestServer, name: string, items: Array<{ content: Buffer; internalDate?: Date; flags?: string[] }>): Promise<number[]> {
  const mailbox = server.imap.deps.store.openMailbox(name);
  try {
    return (await mailbox.append(items, { userid: 'fred' })).uids;
  } finally {
    mailbox.close();
  }
}

/** A raw client logged in as fred with INBOX selected. */
export async function fredIn(server: TestServer, select = 'SELECT INBOX'): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  const login = await c.command('l1', 'LOGIN fred pass');
  if (!login.at(-1)!.startsWith('l1 OK')) throw new Error(login.join('\n'));
  const sel = await c.command('l2', select);
  if (!sel.at(-1)!.startsWith('l2 OK')) throw new Error(sel.join('\n'));
  return c;
}

/** Everything up to the tagged line, as one latin1 string (for literals). */
export async function rawCommand(c: RawClient, tag: string, command: string): Promise<string> {
  return (await c.command(tag, command)).join('\r\n');
}
