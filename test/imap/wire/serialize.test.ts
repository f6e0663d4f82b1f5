import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Address, BodyPart, Envelope } from '../../../src/message/types.js';
import { formatBodyStructure, formatEnvelope } from '../../../src/imap/wire/serialize/body.js';
import { astring, flagList, imapString, nstring, responseText } from '../../../src/imap/wire/serialize/strings.js';
import { codes, continuation, tagged, untaggedStatus } from '../../../src/imap/wire/serialize/response.js';
import { readValues } from './responseParser.js';

describe('strings', () => {
  test.each([
    ['abc', '"abc"'],
    ['', '""'],
    ['say "hi" \\o/', '"say \\"hi\\" \\\\o/"'],
    ['é', '{2}\r\né'],
    ['a\r\nb', '{4}\r\na\r\nb'],
    ['nul\u0000', '{4}\r\nnul\u0000'],
    ['x'.repeat(1025), `{1025}\r\n${'x'.repeat(1025)}`],
  ])('imapString(%j) = %j', (input, expected) => {
    expect(imapString(input)).toBe(expected);
  });

  test('nstring, astring, flag lists, response text', () => {
    expect(nstring(null)).toBe('NIL');
    expect(nstring('NIL')).toBe('"NIL"');
    expect(astring('INBOX.Sent]x')).toBe('INBOX.Sent]x');
    expect(astring('a b')).toBe('"a b"');
    expect(astring('nil')).toBe('"nil"');
    expect(astring('')).toBe('""');
    expect(astring('50%')).toBe('"50%"');
    expect(flagList(['\\Seen', '$Label'])).toBe('(\\Seen $Label)');
    expect(flagList([])).toBe('()');
    expect(responseText('two\r\nlines')).toBe('two lines');
  });

  test('round trip through an independent reader: any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), fc.option(fc.string({ maxLength: 5 }), { nil: null }), (s, n) => {
        expect(readValues(`${imapString(s)} ${nstring(n)} ${astring(s)}`)).toEqual([s, n, s]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('status responses and codes', () => {
  test.each([
    [tagged('a1', 'OK', null, 'Completed'), 'a1 OK Completed\r\n'],
    [tagged('a2', 'NO', codes.tooBig(), 'Literal too big'), 'a2 NO [TOOBIG] Literal too big\r\n'],
    [tagged('a3', 'OK', codes.appendUid(38505, [3955]), 'APPEND completed'), 'a3 OK [APPENDUID 38505 3955] APPEND completed\r\n'],
    [tagged('a4', 'OK', codes.appendUid(7, [1, 2, 3, 5]), 'done'), 'a4 OK [APPENDUID 7 1:3,5] done\r\n'],
    [
      tagged('a5', 'OK', codes.copyUid(38505, [304, 319, 320, 321], [3956, 3957, 3958, 3959]), 'Done'),
      'a5 OK [COPYUID 38505 304,319:321 3956:3959] Done\r\n',
    ],
    [untaggedStatus('OK', codes.permanentFlags(['\\Seen', '\\Deleted'], true), 'Limited'), '* OK [PERMANENTFLAGS (\\Seen \\Deleted \\*)] Limited\r\n'],
    [untaggedStatus('OK', codes.uidValidity(3857529045), 'UIDs valid'), '* OK [UIDVALIDITY 3857529045] UIDs valid\r\n'],
    [untaggedStatus('OK', codes.uidNext(4392), 'Predicted'), '* OK [UIDNEXT 4392] Predicted\r\n'],
    [untaggedStatus('BYE', codes.alert(), 'Shutting down'), '* BYE [ALERT] Shutting down\r\n'],
    [untaggedStatus('OK', codes.capability(['IMAP4rev1', 'LITERAL+']), 'hi'), '* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n'],
    [tagged('b', 'NO', codes.badCharset(['UTF-8', 'US-ASCII']), 'x'), 'b NO [BADCHARSET ("UTF-8" "US-ASCII")] x\r\n'],
    [tagged('c', 'NO', codes.plain('NONEXISTENT'), 'No such mailbox'), 'c NO [NONEXISTENT] No such mailbox\r\n'],
    [continuation(), '+ go ahead\r\n'],
    [continuation(''), '+ \r\n'],
  ])('%j', (actual, expected) => {
    expect(actual).toBe(expected);
  });
});

const addr = (name: string | null, mailbox: string | null, host: string | null): Address => ({ name, adl: null, mailbox, host });

/** The RFC 3501 section 8 example message. */
const ENVELOPE: Envelope = {
  date: 'Wed, 17 Jul 1996 02:23:25 -0700 (PDT)',
  subject: 'IMAP4rev1 WG mtg summary and minutes',
  from: [addr('Terry Gray', 'gray', 'cac.washington.edu')],
  sender: [addr('Terry Gray', 'gray', 'cac.washington.edu')],
  replyTo: [addr('Terry Gray', 'gray', 'cac.washington.edu')],
  to: [addr(null, 'imap', 'cac.washington.edu')],
  cc: [addr(null, 'minutes', 'CNRI.Reston.VA.US'), addr('John Klensin', 'KLENSIN', 'MIT.EDU')],
  bcc: null,
  inReplyTo: null,
  messageId: '<B27397-0100000@cac.washington.edu>',
};

const ENVELOPE_TEXT =
  '("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) ' +
  '(("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ' +
  '((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>")';

const range = { headerStart: 0, bodyStart: 0, bodyEnd: 0 };
function part(type: string, subtype: string, extra: Partial<BodyPart> = {}): BodyPart {
  return { type, subtype, params: null, id: null, description: null, encoding: '7BIT', size: 0, md5: null, disposition: null, language: null, location: null, range, ...extra };
}

const PLAIN = part('TEXT', 'PLAIN', { params: [['CHARSET', 'US-ASCII']], size: 1152, lines: 23 });
const DIFF = part('TEXT', 'PLAIN', {
  params: [['CHARSET', 'US-ASCII'], ['NAME', 'cc.diff']],
  id: '<960723163407.20117h@cac.washington.edu>',
  description: 'Compiled diff',
  encoding: 'BASE64',
  size: 4554,
  lines: 73,
  disposition: { type: 'attachment', params: [['filename', 'cc.diff']] },
  language: ['en', 'de'],
  md5: 'Q2hlY2sgSW50ZWdyaXR5IQ==',
});
const MIXED = part('MULTIPART', 'MIXED', { params: [['BOUNDARY', 'xyz']], parts: [PLAIN, DIFF], size: 6000 });
const FORWARDED = part('MESSAGE', 'RFC822', { size: 342, lines: 12, envelope: ENVELOPE, body: part('TEXT', 'HTML', { size: 20, lines: 1, location: 'http://x/' }) });
const IMAGE = part('image', 'png', { encoding: 'base64', size: 100, language: ['fr'] });

describe('ENVELOPE and BODYSTRUCTURE', () => {
  test('envelope of the RFC 3501 example', () => {
    expect(formatEnvelope(ENVELOPE)).toBe(ENVELOPE_TEXT);
  });

  test('empty envelope, groups, 8-bit subject', () => {
    const empty: Envelope = { date: null, subject: null, from: null, sender: null, replyTo: null, to: [], cc: null, bcc: null, inReplyTo: null, messageId: null };
    expect(formatEnvelope(empty)).toBe('(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)');
    const group: Envelope = { ...empty, subject: 'Grüße', to: [addr(null, 'team', null), addr(null, 'a', 'b.example'), addr(null, null, null)] };
    expect(formatEnvelope(group)).toBe('(NIL {7}\r\nGrüße NIL NIL NIL ((NIL NIL "team" NIL)(NIL NIL "a" "b.example")(NIL NIL NIL NIL)) NIL NIL NIL NIL)');
  });

  test('BODY (non-extensible) of the RFC 3501 example', () => {
    expect(formatBodyStructure(MIXED, false)).toBe(
      '(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23)("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") ' +
        '"<960723163407.20117h@cac.washington.edu>" "Compiled diff" "BASE64" 4554 73) "MIXED")',
    );
  });

  test('BODYSTRUCTURE with extension data', () => {
    expect(formatBodyStructure(MIXED, true)).toBe(
      '(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23 NIL NIL NIL NIL)("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") ' +
        '"<960723163407.20117h@cac.washington.edu>" "Compiled diff" "BASE64" 4554 73 "Q2hlY2sgSW50ZWdyaXR5IQ==" ("attachment" ("filename" "cc.diff")) ("en" "de") NIL) ' +
        '"MIXED" ("BOUNDARY" "xyz") NIL NIL NIL)',
    );
  });

  test('non-text parts have no line count; message/rfc822 carries envelope, body and lines', () => {
    expect(formatBodyStructure(IMAGE, true)).toBe('("image" "png" NIL NIL NIL "base64" 100 NIL NIL ("fr") NIL)');
    expect(formatBodyStructure(FORWARDED, false)).toBe(`("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 342 ${ENVELOPE_TEXT} ("TEXT" "HTML" NIL NIL NIL "7BIT" 20 1) 12)`);
    expect(formatBodyStructure(FORWARDED, true)).toBe(
      `("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 342 ${ENVELOPE_TEXT} ("TEXT" "HTML" NIL NIL NIL "7BIT" 20 1 NIL NIL NIL "http://x/") 12 NIL NIL NIL NIL)`,
    );
  });

  const text = fc.option(fc.string({ unit: 'binary', maxLength: 12 }), { nil: null });
  const address = fc.record({ name: text, adl: fc.constant(null), mailbox: text, host: text });
  const list = fc.option(fc.array(address, { minLength: 1, maxLength: 3 }), { nil: null });

  test('round trip: any envelope reads back field by field', () => {
    fc.assert(
      fc.property(fc.record({ date: text, subject: text, from: list, sender: list, replyTo: list, to: list, cc: list, bcc: list, inReplyTo: text, messageId: text }), (env) => {
        const [value] = readValues(formatEnvelope(env));
        const addresses = (l: Address[] | null) => (l === null ? null : l.map((a) => [a.name, a.adl, a.mailbox, a.host]));
        expect(value).toEqual([env.date, env.subject, addresses(env.from), addresses(env.sender), addresses(env.replyTo), addresses(env.to), addresses(env.cc), addresses(env.bcc), env.inReplyTo, env.messageId]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('serialize, then parse with the command parser', () => {
  test('any string written by imapString/astring reads back through CommandReader + parseCommand', async () => {
    const { CommandReader } = await import('../../../src/imap/wire/reader.js');
    const { parseCommand } = await import('../../../src/imap/wire/parse/index.js');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), (user, password) => {
        const reader = new CommandReader({ maxLineLength: 1000, maxLiteralSize: 1000, maxAppendLiteralSize: 1000, literalPlus: 'plus' });
        reader.push(Buffer.from(`t LOGIN ${imapString(user)} ${astring(password)}\r\n`, 'utf8'));
        let command = null;
        for (let e = reader.next(); e; e = reader.next()) {
          if (e.type === 'literal') reader.acceptLiteral();
          else if (e.type === 'command') command = parseCommand(e.command);
          else throw new Error(e.error.message);
        }
        expect(command).toEqual({ name: 'LOGIN', userid: user, password });
      }),
      { numRuns: 300 },
    );
  });
});
