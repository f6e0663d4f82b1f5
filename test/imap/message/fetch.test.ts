import { renameSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../harness.js';
import { ATTACHMENT, BIG, MULTIPART, PLAIN, fredIn, rawCommand, startWithMessages } from './fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startWithMessages();
}, 60_000);
afterAll(async () => {
  await server.close();
});

const literalOf = (text: string, label: string): string => {
  const at = text.indexOf(`${label} {`);
  if (at < 0) throw new Error(`no ${label} in ${text.slice(0, 300)}`);
  const open = text.indexOf('{', at);
  const close = text.indexOf('}', open);
  const size = Number(text.slice(open + 1, close));
  return text.slice(close + 3, close + 3 + size);
};

describe('FETCH', () => {
  it('answers the simple items and macros', async () => {
    const c = await fredIn(server);
    const lines = await c.command('f1', 'FETCH 1 (UID FLAGS RFC822.SIZE INTERNALDATE)');
    expect(lines[0]).toMatch(/^\* 1 FETCH \(UID 1 FLAGS \(\\Seen \\Recent\) RFC822\.SIZE \d+ INTERNALDATE "10-Jan-2024 12:00:00 [+-]\d{4}"\)$/);
    expect(lines[0]).toContain(`RFC822.SIZE ${PLAIN.length}`);
    expect(lines.at(-1)).toBe('f1 OK FETCH completed');
    const fast = await c.command('f2', 'FETCH 2 FAST');
    expect(fast[0]).toMatch(/^\* 2 FETCH \(FLAGS \(\\Flagged \$Important \\Recent\) INTERNALDATE "[^"]+" RFC822\.SIZE \d+\)$/);
    const all = await c.command('f3', 'FETCH 1 ALL');
    expect(all[0]).toContain('ENVELOPE ("Wed, 10 Jan 2024 09:30:00 +0000" "Hello world" (("Fred Foo" NIL "fred" "example.com"))');
    const full = await c.command('f4', 'FETCH 1 FULL');
    expect(full[0]).toMatch(/BODY \("TEXT" "PLAIN" \("CHARSET" "us-ascii"\) NIL NIL "7BIT" \d+ \d+\)\)$/i);
    c.close();
  });

  it('sends ENVELOPE and BODYSTRUCTURE from the cache', async () => {
    const c = await fredIn(server);
    const lines = await c.command('e1', 'FETCH 2 (ENVELOPE BODYSTRUCTURE)');
    expect(lines[0]).toContain('"=?UTF-8?B?R3LDvMOfZQ==?= from Alice"');
    expect(lines[0]).toContain('("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE"');
    expect(lines[0]).toContain('("APPLICATION" "OCTET-STREAM" ("NAME" "a.bin") NIL NIL "BASE64"');
    expect(lines[0]).toContain('("MESSAGE" "RFC822" NIL NIL NIL "7BIT"');
    expect(lines[0]).toContain('"MIXED" ("BOUNDARY" "XX")');
    // With the message file moved away, ENVELOPE, BODYSTRUCTURE and HEADER.FIELDS still answer.
    const mailbox = server.imap.deps.store.openMailbox('user.fred');
    const file = mailbox.messagePath(1);
    renameSync(file, `${file}.away`);
    try {
      const again = await c.command('e2', 'UID FETCH 1 (ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (Subject X-Tracking)])');
      expect(again.join('\r\n')).toContain('Subject: Hello world\r\nX-Tracking: alpha\r\n\r\n');
      expect(again.at(-1)).toBe('e2 OK FETCH completed');
      expect((await c.command('e3', 'UID FETCH 1 BODY.PEEK[TEXT]')).at(-1)).toMatch(/^e3 NO/);
    } finally {
      renameSync(`${file}.away`, file);
      mailbox.close();
    }
    c.close();
  });

  it('returns sections, partials and RFC822 items', async () => {
    const c = await fredIn(server, 'EXAMINE INBOX');
    const whole = await rawCommand(c, 's1', 'FETCH 1 BODY.PEEK[]');
    expect(literalOf(whole, 'BODY[]')).toBe(PLAIN.toString('latin1'));
    const header = await rawCommand(c, 's2', 'FETCH 1 (RFC822.HEADER BODY.PEEK[TEXT])');
    expect(literalOf(header, 'RFC822.HEADER')).toBe(PLAIN.toString('latin1').split('\r\n\r\n')[0] + '\r\n\r\n');
    expect(literalOf(header, 'BODY[TEXT]')).toBe('The quick brown fox jumps over the lazy dog.\r\n');
    const partial = await rawCommand(c, 's3', 'FETCH 1 BODY.PEEK[TEXT]<4.5>');
    expect(partial).toContain('BODY[TEXT]<4> {5}\r\nquick)');
    const beyond = await rawCommand(c, 's4', 'FETCH 1 BODY.PEEK[TEXT]<9999.5>');
    expect(beyond).toContain('BODY[TEXT]<9999> {0}\r\n)');
    const not = await rawCommand(c, 's5', 'FETCH 1 BODY.PEEK[HEADER.FIELDS.NOT (Date From To Cc Message-ID X-Tracking)]');
    expect(literalOf(not, 'BODY[HEADER.FIELDS.NOT (Date From To Cc Message-ID X-Tracking)]')).toBe('Subject: Hello world\r\n\r\n');
    const parts = await rawCommand(c, 's6', 'FETCH 2 (BODY.PEEK[1] BODY.PEEK[1.MIME] BODY.PEEK[3.HEADER] BODY.PEEK[3.TEXT] BODY.PEEK[3.1] BODY.PEEK[9])');
    expect(literalOf(parts, 'BODY[1]')).toBe("Un caf=C3=A9 noir, s=\r\n'il vous pla=C3=AEt.");
    expect(literalOf(parts, 'BODY[1.MIME]')).toBe('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n');
    expect(literalOf(parts, 'BODY[3.HEADER]')).toBe('From: inner@example.com\r\nSubject: inner subject\r\n\r\n');
    expect(literalOf(parts, 'BODY[3.TEXT]')).toBe('inner body text');
    expect(literalOf(parts, 'BODY[3.1]')).toBe('inner body text');
    expect(parts).toContain('BODY[9] NIL');
    const rfc = await rawCommand(c, 's7', 'FETCH 1 RFC822.TEXT');
    expect(literalOf(rfc, 'RFC822.TEXT')).toBe('The quick brown fox jumps over the lazy dog.\r\n');
    c.close();
  });

  it('streams a big message with the exact literal size', async () => {
    const c = await fredIn(server, 'EXAMINE INBOX');
    const text = await rawCommand(c, 'b1', 'FETCH 3 (BODY.PEEK[] BODY.PEEK[TEXT]<100.300000>)');
    expect(literalOf(text, 'BODY[]')).toBe(BIG.toString('latin1'));
    const bodyStart = BIG.indexOf('\r\n\r\n') + 4;
    expect(literalOf(text, 'BODY[TEXT]<100>')).toBe(BIG.subarray(bodyStart + 100, bodyStart + 100 + 300000).toString('latin1'));
    expect(text.endsWith('b1 OK FETCH completed')).toBe(true);
    c.close();
  });

  it('decodes BINARY, sizes it, and refuses an unknown transfer encoding', async () => {
    const c = await fredIn(server, 'EXAMINE INBOX');
    const text = await rawCommand(c, 'x1', 'FETCH 2 (BINARY.PEEK[1] BINARY.SIZE[1] BINARY.PEEK[2] BINARY.SIZE[2])');
    expect(literalOf(text, 'BINARY[1]')).toBe(Buffer.from("Un café noir, s'il vous plaît.", 'utf8').toString('latin1'));
    expect(text).toContain(`BINARY.SIZE[1] ${Buffer.byteLength("Un café noir, s'il vous plaît.")}`);
    expect(text).toContain(`BINARY[2] ~{${ATTACHMENT.length}}\r\n${ATTACHMENT.toString('latin1')}`);
    expect(text).toContain(`BINARY.SIZE[2] ${ATTACHMENT.length}`);
    const bad = await c.command('x2', 'FETCH 2 BINARY.PEEK[4]');
    expect(bad.at(-1)).toMatch(/^x2 NO \[UNKNOWN-CTE\]/);
    c.close();
  });

  it('sets \\Seen with BODY[] but not with BODY.PEEK[] nor in EXAMINE', async () => {
    const c = await fredIn(server);
    const peek = await c.command('p1', 'FETCH 2 BODY.PEEK[1]');
    expect(peek.join('\n')).not.toContain('\\Seen');
    const ex = await fredIn(server, 'EXAMINE INBOX');
    await ex.command('p2', 'FETCH 2 BODY[1]');
    expect((await ex.command('p3', 'FETCH 2 FLAGS'))[0]).not.toContain('\\Seen');
    ex.close();
    const read = await c.command('p4', 'FETCH 2 BODY[1]');
    expect(read[0]).toMatch(/^\* 2 FETCH \(FLAGS \([^)]*\\Seen[^)]*\) BODY\[1\] \{43\}$/);
    const flags = await c.command('p5', 'FETCH 2 FLAGS');
    expect(flags[0]).toContain('\\Seen');
    // Already seen: no FLAGS added the second time; and NOOP repeats nothing.
    expect((await c.command('p6', 'FETCH 2 BODY[1]'))[0]).toBe('* 2 FETCH (BODY[1] {43}');
    expect(await c.command('p7', 'NOOP')).toEqual(['p7 OK NOOP completed']);
    await c.command('p8', 'STORE 2 -FLAGS.SILENT (\\Seen)');
    c.close();
  });

  it('UID FETCH always includes UID and skips UIDs not in the mailbox', async () => {
    const c = await fredIn(server, 'EXAMINE INBOX');
    const lines = await c.command('u1', 'UID FETCH 2:99 FLAGS');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\* 2 FETCH \(UID 2 FLAGS/);
    expect(lines[1]).toMatch(/^\* 3 FETCH \(UID 3 FLAGS/);
    expect((await c.command('u2', 'UID FETCH 50:60 FLAGS')).at(-1)).toBe('u2 OK FETCH completed');
    expect((await c.command('u3', 'FETCH 7 FLAGS')).at(-1)).toBe('u3 NO No matching messages');
    const star = await c.command('u4', 'FETCH * UID');
    expect(star[0]).toBe('* 3 FETCH (UID 3)');
    c.close();
  });

  it('answers BAD to bad syntax and outside the selected state', async () => {
    const c = await fredIn(server, 'EXAMINE INBOX');
    for (const bad of ['FETCH', 'FETCH 1', 'FETCH 0 FLAGS', 'FETCH 1 (FLAGS', 'FETCH 1 BODY[1.]', 'FETCH 1 BODY.PEEK', 'FETCH 1 FOO', 'FETCH $$ FLAGS', 'FETCH 1 BODY[]<1>']) {
      expect((await c.command('y', bad)).at(-1), bad).toMatch(/^y BAD/);
    }
    await c.command('z1', 'CLOSE');
    expect((await c.command('z2', 'FETCH 1 FLAGS')).at(-1)).toMatch(/^z2 BAD/);
    c.close();
  });

  it('keeps EXPUNGE back during FETCH by sequence number and sends it after NOOP', async () => {
    const { appendTo } = await import('./fixtures.js');
    const [uid] = await appendTo(server, 'user.fred', [{ content: PLAIN }, { content: MULTIPART }]);
    const a = await fredIn(server);
    const b = await fredIn(server);
    const seq = 4;
    await b.command('d1', `UID STORE ${uid} +FLAGS.SILENT (\\Deleted)`);
    expect((await b.command('d2', 'EXPUNGE'))).toContain(`* ${seq} EXPUNGE`);
    const fetched = await a.command('d3', `FETCH ${seq}:${seq + 1} (UID FLAGS)`);
    expect(fetched.join('\n')).not.toMatch(/\* \d+ EXPUNGE/);
    expect(fetched[0]).toMatch(new RegExp(`^\\* ${seq + 1} FETCH \\(UID ${uid! + 1} FLAGS`));
    expect(fetched.at(-1)).toMatch(/^d3 OK \[EXPUNGEISSUED\]/);
    expect((await a.command('d4', 'STORE 1 +FLAGS (\\Answered)')).join('\n')).not.toMatch(/\* \d+ EXPUNGE/);
    expect((await a.command('d5', 'SEARCH ALL')).join('\n')).not.toMatch(/\* \d+ EXPUNGE/);
    const noop = await a.command('d6', 'NOOP');
    expect(noop).toContain(`* ${seq} EXPUNGE`);
    await a.command('d7', 'STORE 1 -FLAGS.SILENT (\\Answered)');
    a.close();
    b.close();
  });
});
