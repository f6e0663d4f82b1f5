// The LMTP wire layer without I/O: command parsing, DATA dot-unstuffing fed in every split and one
// byte at a time, reply formatting, and the one MailError → reply mapping.
import { describe, expect, it } from 'vitest';
import { MailError } from '../../src/common/index.js';
import { lmtpReplyFor } from '../../src/lmtp/error-map.js';
import { CommandError, parseCommand } from '../../src/lmtp/wire/commands.js';
import { DotDataReader } from '../../src/lmtp/wire/data.js';
import { formatReply, REPLIES, reply } from '../../src/lmtp/wire/replies.js';

describe('parseCommand', () => {
  it.each([
    ['LHLO mx.example', { verb: 'LHLO', host: 'mx.example' }],
    ['lhlo mx', { verb: 'LHLO', host: 'mx' }],
    ['MAIL FROM:<>', { verb: 'MAIL', sender: null, params: { size: null, body: null, smtputf8: false, auth: null } }],
    ['MAIL FROM: <a@b.c> SIZE=100 BODY=8bitmime SMTPUTF8 AUTH=x+2By@z', { verb: 'MAIL', sender: { localPart: 'a', domain: 'b.c' }, params: { size: 100, body: '8BITMIME', smtputf8: true, auth: 'x+y@z' } }],
    ['MAIL FROM:<@relay,@relay2:a@b.c>', { verb: 'MAIL', sender: { localPart: 'a', domain: 'b.c' }, params: { size: null, body: null, smtputf8: false, auth: null } }],
    ['RCPT TO:<fred+box@example.com> NOTIFY=never ORCPT=rfc822;fred+2Bbox@example.com IGNOREQUOTA', { verb: 'RCPT', recipient: { localPart: 'fred+box', domain: 'example.com' }, params: { ignoreQuota: true, notify: 'NEVER', originalRecipient: 'rfc822;fred+box@example.com' } }],
    ['RCPT TO:<"odd \\"name"@x>', { verb: 'RCPT', recipient: { localPart: 'odd "name', domain: 'x' }, params: { ignoreQuota: false, notify: null, originalRecipient: null } }],
    ['RCPT TO:<fred>', { verb: 'RCPT', recipient: { localPart: 'fred', domain: null }, params: { ignoreQuota: false, notify: null, originalRecipient: null } }],
    ['BDAT 0 LAST', { verb: 'BDAT', size: 0, last: true }],
    ['BDAT 12', { verb: 'BDAT', size: 12, last: false }],
    ['AUTH plain AGZyZWQAcGFzcw==', { verb: 'AUTH', mechanism: 'PLAIN', initialResponse: 'AGZyZWQAcGFzcw==' }],
    ['DATA', { verb: 'DATA' }],
    ['VRFY fred', { verb: 'VRFY', argument: 'fred' }],
  ])('%s', (line, expected) => {
    expect(parseCommand(line)).toEqual(expected);
  });

  it.each([
    ['EHLO x', '500 5.5.2'],
    ['LHLO', '501 5.5.4'],
    ['MAIL TO:<a@b>', '501 5.5.4'],
    ['MAIL FROM:<a@b', '501 5.1.7'],
    ['MAIL FROM:<a@b> SIZE=', '501 5.5.4'],
    ['MAIL FROM:<a@b> BODY=9BIT', '501 5.5.4'],
    ['MAIL FROM:<a@b> XFOO', '555 5.5.4'],
    ['RCPT TO:<>', '501 5.1.3'],
    ['RCPT TO:<a..b@c>', '501 5.1.3'],
    ['RCPT TO:<a@b>x', '501 5.1.3'],
    ['DATA now', '501 5.5.4'],
    ['BDAT -1', '501 5.5.4'],
    ['BDAT 1 FIRST', '501 5.5.4'],
  ])('%s → %s', (line, code) => {
    try {
      parseCommand(line);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CommandError);
      const r = (err as CommandError).reply;
      expect(`${r.code} ${r.status}`).toBe(code);
    }
  });
});

describe('DotDataReader', () => {
  const wire = 'Subject: x\r\n\r\n..one\r\n...two\r\n.\rthree\r\n. four\r\nend\r\n.\r\nNEXT';
  const expected = 'Subject: x\r\n\r\n.one\r\n..two\r\n\rthree\r\n four\r\nend\r\n';

  function feed(chunks: Buffer[], limit = 1 << 20): { text: string; rest: string } {
    const reader = new DotDataReader(limit);
    let rest = '';
    for (const chunk of chunks) {
      if (reader.done) {
        rest += chunk.toString('latin1');
        continue;
      }
      const used = reader.push(chunk);
      rest += chunk.subarray(used).toString('latin1');
    }
    expect(reader.done).toBe(true);
    return { text: reader.result().bytes.toString('latin1'), rest };
  }

  it('unstuffs dots and stops at <CRLF>.<CRLF>, leaving what follows', () => {
    expect(feed([Buffer.from(wire)])).toEqual({ text: expected, rest: 'NEXT' });
  });

  it('gives the same result fed one byte at a time and in every two-piece split', () => {
    const bytes = Buffer.from(wire);
    expect(feed([...bytes].map((b) => Buffer.from([b])))).toEqual({ text: expected, rest: 'NEXT' });
    for (let i = 1; i < bytes.length; i++) expect(feed([bytes.subarray(0, i), bytes.subarray(i)])).toEqual({ text: expected, rest: 'NEXT' });
  });

  it('ends an empty message at once and accepts a bare LF ending', () => {
    expect(feed([Buffer.from('.\r\n')]).text).toBe('');
    expect(feed([Buffer.from('a\n.\n')]).text).toBe('a\n');
  });

  it('reads a too-big message to its end without keeping it', () => {
    const reader = new DotDataReader(10);
    reader.push(Buffer.from('0123456789abcdef\r\n.\r\n'));
    expect(reader.done).toBe(true);
    expect(reader.result()).toEqual({ bytes: Buffer.alloc(0), size: 18, tooBig: true });
  });
});

describe('replies', () => {
  it('formats one line and several lines', () => {
    expect(formatReply(REPLIES.unknownUser)).toBe('550 5.1.1 User unknown\r\n');
    expect(formatReply(reply(250, null, 'host\nPIPELINING'))).toBe('250-host\r\n250 PIPELINING\r\n');
  });

  it('maps every MailError kind to an enhanced code, temporary for temporary trouble', () => {
    const policy = { overQuotaPermanent: false };
    const code = (err: unknown, p = policy) => {
      const { reply: r } = lmtpReplyFor(err, p);
      return `${r.code} ${r.status}`;
    };
    expect(code(new MailError('NotFound', 'x'))).toBe('550 5.1.1');
    expect(code(new MailError('OverQuota', 'x'))).toBe('452 4.2.2');
    expect(code(new MailError('OverQuota', 'x'), { overQuotaPermanent: true })).toBe('552 5.2.2');
    expect(code(new MailError('Limit', 'x', { tooBig: true }))).toBe('552 5.3.4');
    expect(code(new MailError('Temp', 'x'))).toBe('451 4.3.0');
    expect(code(new MailError('InUse', 'x'))).toBe('450 4.2.0');
    expect(code(new MailError('Invalid', 'x', { nul: true }))).toBe('554 5.6.0');
    // A keyword over the length kept (Sieve :flags) is bad content, as a malformed one is, not a full mailbox.
    expect(code(new MailError('Limit', 'x', { flag: 'k'.repeat(101) }))).toBe(code(new MailError('Invalid', 'x', { flag: 'a]b' })));
    expect(code(new Error('bug'))).toBe('451 4.3.0');
    expect(lmtpReplyFor(new Error('bug'), policy).internal).toBe(true);
  });
});
