// The shortcuts the append path takes (normalizeForSearch's ASCII and Latin passes, storedFields' subject decoded
// once, its search fields read without their line ends, one encoded-word decoded without libmime's
// joining passes, fieldValue's leading blanks) give exactly what the general code gives: each table
// compares the two on the same input.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  addressSearchForms, baseSubject, decodeHeaderBytes, decodeHeaderValue, encodeHeaderText, headerBytesOf, isReplyOrForward, normalizeForSearch, normalizeLineEnds,
  SEARCH_VALUE_SEPARATOR, STORED_SEARCH_FIELDS, storedFields, summarizeMessage,
} from '../../src/message/index.js';
import { fieldValue, scanHeader, unfold } from '../../src/message/header.js';
import { normalizeUnicode, type SearchNormalisation } from '../../src/message/searchText.js';

const MODES: SearchNormalisation[] = [];
for (const skipDiacritics of [true, false]) for (const whitespace of ['merge', 'skip', 'keep'] as const) MODES.push({ skipDiacritics, whitespace });

const TEXTS = [
  '', ' ', '  ', 'a', 'A', 'Hello World', 'Hello  World', ' lead', 'trail ', '  both  ', 'MiXeD CaSe 123 !@#$%^&*()',
  'tab\there', 'lf\nhere', 'vt\vhere', 'ff\fhere', 'cr\rhere', 'crlf\r\nhere', 'mix \t\r\n\v\f end', '\t', '\n\n', ' \t',
  'ctrl\x00\x01\x08\x0e\x1b\x1c\x1d\x1e\x1f\x7f chars', 'sender12@example.com\nSender 12 <sender12@example.com>',
  '"Dave D." <DAVE@Example.NET>', 'The quick brown fox jumps over the lazy dog, again and again.\r\n'.repeat(3),
  // Not ASCII: the Unicode path
  'Café', 'CAFÉ', 'cafe\u0301', 'naïve  résumé', 'nbsp\u00a0here', 'ls\u2028ps\u2029', 'ideographic\u3000space', 'bom\ufeffhere',
  'ﬁle', 'Ａ full width', 'İstanbul', 'Straße', 'Ω Ohm \u2126', '①②', 'mixed é \t\r\n run', 'x\u0085nel', '\u00ff\u0100', 'emoji 😀 here',
];

describe('normalizeForSearch: the ASCII and Latin passes give what the Unicode path gives', () => {
  for (const mode of MODES) {
    it(`${mode.skipDiacritics ? 'skip diacritics' : 'keep diacritics'}, whitespace ${mode.whitespace}`, () => {
      for (const text of TEXTS) expect([text, normalizeForSearch(text, mode)]).toEqual([text, normalizeUnicode(text, mode)]);
      // Every ASCII character alone, doubled and between letters.
      for (let c = 0; c < 0x80; c++) {
        const ch = String.fromCharCode(c);
        for (const text of [ch, ch + ch, `A${ch}b`, `A${ch}${ch} ${ch}b`]) expect([text, normalizeForSearch(text, mode)]).toEqual([text, normalizeUnicode(text, mode)]);
      }
    });
  }

  it('the Latin pass: every code point below U+0250 alone and beside any other, in every mode', () => {
    for (const mode of MODES) {
      for (let c = 0; c < 0x250; c++) {
        const ch = String.fromCharCode(c);
        for (const text of [ch, `A${ch}b`, ` ${ch}${ch} `, `\u00e9${ch}\tX`]) expect([text, normalizeForSearch(text, mode)]).toEqual([text, normalizeUnicode(text, mode)]);
      }
    }
    // Pairs: a code point's form never reaches into its neighbour's.
    for (const skipDiacritics of [true, false]) {
      const mode: SearchNormalisation = { skipDiacritics, whitespace: 'keep' };
      for (let a = 0; a < 0x250; a++) {
        for (let b = 0; b < 0x250; b++) {
          if (a < 0x80 && b < 0x80) continue;
          const text = String.fromCharCode(a, b);
          if (normalizeForSearch(text, mode) !== normalizeUnicode(text, mode)) expect([text, normalizeForSearch(text, mode)]).toEqual([text, normalizeUnicode(text, mode)]);
        }
      }
    }
  });

  it('random ASCII strings heavy in white space (fixed seed)', () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    const alphabet = ' \t\n\v\f\r aAzZ09@.<>"\x00\x7f';
    for (let n = 0; n < 2000; n++) {
      let text = '';
      for (let k = next() % 24; k > 0; k--) text += alphabet[next() % alphabet.length];
      for (const mode of MODES) expect([text, normalizeForSearch(text, mode)]).toEqual([text, normalizeUnicode(text, mode)]);
    }
  });
});

/** A message whose header holds `subjectLines` (each a whole "Subject: ..." line, folds included) as bytes. */
function message(subjectLines: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from('From: a@example.com\r\nTo: b@example.com\r\n')];
  for (const line of subjectLines) parts.push(typeof line === 'string' ? Buffer.from(line) : line, Buffer.from('\r\n'));
  parts.push(Buffer.from('Message-ID: <x@example.com>\r\n\r\nbody\r\n'));
  return normalizeLineEnds(Buffer.concat(parts));
}

const SUBJECTS: Array<[string, Array<string | Buffer>]> = [
  ['none', []],
  ['empty', ['Subject:']],
  ['blank', ['Subject:    ']],
  ['plain', ['Subject: Hello']],
  ['reply', ['Subject: Re: Hello']],
  ['forward trailer', ['Subject: Hello (fwd)']],
  ['list blob', ['Subject: [list] Re: Hello']],
  ['fwd wrapper', ['Subject: [Fwd: Re: Hello]']],
  ['trailing spaces', ['Subject: Re: Hello   ']],
  ['trailing tab', ['Subject: Re: Hello\t']],
  ['leading tab', ['Subject:\tRe: Hello']],
  ['folded', ['Subject: Re: a long\r\n  folded subject']],
  ['folded first line empty', ['Subject:\r\n Re: Hello']],
  ['encoded', ['Subject: =?UTF-8?Q?Re=3A_Caf=C3=A9?=']],
  ['encoded words joined', ['Subject: =?utf-8?q?Re:_a?= =?utf-8?q?b?=']],
  ['encoded folded', ['Subject: =?utf-8?q?Re:_a?=\r\n =?utf-8?q?b?=']],
  ['encoded then trailing space', ['Subject: =?utf-8?B?UmU6IMOEIHN1YmplY3Q=?=  ']],
  ['encoded latin-1', ['Subject: =?ISO-8859-1?Q?Fwd:_Andr=E9?= (fwd)']],
  ['broken encoded word', ['Subject: Re: =?broken']],
  ['raw UTF-8', ['Subject: Re: Réunion du 3 janvier']],
  ['raw 8-bit latin-1', [Buffer.concat([Buffer.from('Subject: Re: R'), Buffer.from([0xe9]), Buffer.from('union')])]],
  ['raw 8-bit with encoded word', [Buffer.concat([Buffer.from('Subject: Fw: '), Buffer.from([0xff, 0xfe]), Buffer.from(' =?utf-8?q?x?=')])]],
  ['vertical tab lead', ['Subject: \vRe: Hello']],
  ['form feed tail', ['Subject: Re: Hello\f']],
  ['nbsp', ['Subject: Re:\u00a0Hello\u00a0']],
  ['two subjects, last counts', ['Subject: Re: first', 'Subject: second']],
  ['two subjects, last encoded', ['Subject: plain first', 'Subject: =?utf-8?q?Re:_second?=']],
  ['two subjects, same text', ['Subject: Re: same', 'Subject: Re: same']],
  ['two subjects, last 8-bit', ['Subject: Re: same', Buffer.concat([Buffer.from('Subject: Re: same'), Buffer.from([0xe9])])]],
  ['subject name with space before colon', ['Subject : Re: spaced name']],
  ['upper-case name', ['SUBJECT: Re: Shout']],
];

describe('storedFields: the subject decoded once gives the base subject and reply test of the envelope subject', () => {
  for (const [name, lines] of SUBJECTS) {
    it(name, () => {
      const summary = summarizeMessage(message(lines));
      const fields = storedFields(summary);
      expect(fields.baseSubject).toBe(baseSubject(summary.envelope.subject).toLowerCase());
      expect(fields.replyOrForward).toBe(isReplyOrForward(summary.envelope.subject));
    });
  }
});

const require = createRequire(import.meta.url);
const libmime = require('libmime') as { decodeWords(text: string): string };

/** decodeHeaderValue as it was before its one-word shortcut: libmime's whole decodeWords. */
function decodedByLibmime(raw: string): string {
  if (!raw.includes('=?')) return raw;
  try {
    return libmime.decodeWords(raw);
  } catch {
    return raw;
  }
}

const ENCODED_VALUES = [
  '=?UTF-8?Q?caf=C3=A9?=', 'Load message 7 about =?UTF-8?Q?caf=C3=A9?=', '=?utf-8?q?Re:_a?= tail', 'lead =?utf-8?b?UmU6IMOEIHN1YmplY3Q=?=  ',
  '=?ISO-8859-1?Q?Andr=E9?= (fwd)', '=?iso-8859-1?B?QW5kcuk=?=', '=?windows-1252?Q?=80uro?=', '=?UTF-8*en?Q?lang?=', '=?x-unknown?Q?a=41b?=',
  '=?utf-8?Q?under_scores_and=20spaces?=', '=?utf-8?Q?bad=ZZhex?=', '=?utf-8?B?not base64!?=', '=?utf-8?X?wrong encoding?=',
  '=?broken', 'Re: =?', '=?utf-8?Q??=', '=?utf-8?Q?a?==?utf-8?Q?b?=', '=?utf-8?Q?a?= =?utf-8?Q?b?=', '=?utf-8?B?YQ==?= =?utf-8?B?Yg==?=',
  '=?utf-8?Q?a=?=', 'x =?utf-8?Q?nul\u0000inside?= y', '__\u0000JOIN\u0000__ =?utf-8?Q?j?=', '=?utf-8?q?\u00e9t\u00e9?=', 'a=?b', '=?=?=?',
];

describe('decodeHeaderValue: a value with one encoded-word gives what libmime.decodeWords gives', () => {
  it('every value of the table', () => {
    for (const raw of ENCODED_VALUES) expect([raw, decodeHeaderValue(raw)]).toEqual([raw, decodedByLibmime(raw)]);
  });
});

/** A message whose header holds `lines` (whole field lines, folds included) between fixed fields. */
function headerMessage(lines: string[]): Buffer {
  return normalizeLineEnds(Buffer.from(`Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n${lines.map((l) => `${l}\r\n`).join('')}Message-ID: <x@example.com>\r\n\r\nbody\r\n`));
}

/**
 * The SEARCH text of one field as the header scan gave it before the stored-fields shortcuts: each
 * value with its line end, unfolded, trimmed, decoded by libmime; then normalised, with the parsed
 * addresses of an address field after the values.
 */
function searchTextAsScanned(header: Buffer, field: string): string | null {
  const values = scanHeader(header, 0, header.length).fields
    .filter((f) => f.key === field)
    .map((f) => decodedByLibmime(unfold(header.toString('utf8', f.valueStart, f.end)).trim()));
  if (values.length === 0) return null;
  const parts = values.map((v) => normalizeForSearch(v));
  if (field !== 'subject') for (const v of values) for (const form of addressSearchForms(v)) parts.push(normalizeForSearch(form));
  return parts.join(SEARCH_VALUE_SEPARATOR);
}

const FIELD_LINES: Array<[string, string[]]> = [
  ['plain', ['From: Ann <ann@example.com>', 'To: bob@example.org', 'Subject: Hello']],
  ['trailing blanks', ['From: ann@example.com   ', 'To: bob@example.org\t', 'Subject: Hello \t ']],
  ['empty values', ['From:', 'To: ', 'Cc:\t', 'Subject:']],
  ['folded', ['From: "Ann\r\n Example" <ann@example.com>', 'To: bob@example.org,\r\n\tcarl@example.net', 'Subject: a long\r\n  folded\r\n\tsubject']],
  ['folded with a blank last line', ['Subject: folded\r\n \r\n\t', 'Cc: a@example.com,\r\n ']],
  ['fold at the first line', ['Subject:\r\n Re: Hello', 'To:\r\n\tbob@example.org']],
  ['encoded words', ['From: =?UTF-8?Q?Andr=C3=A9?= <andre@example.com>', 'Subject: =?utf-8?q?Re:_a?= =?utf-8?q?b?=', 'Bcc: =?utf-8?B?w6k=?= <e@example.com>']],
  ['repeated fields', ['To: one@example.com', 'Subject: first', 'To: two@example.com ', 'Subject: second  ']],
  ['raw UTF-8 and 8-bit', ['Subject: Réunion', 'From: Zoë <zoe@example.com>']],
  ['odd spacing around the colon', ['Subject : spaced name', 'FROM:ann@example.com', 'cc :  c@example.net  ']],
  ['group and comments', ['To: team: a@example.com, b (bee) @ example.org;', 'Cc: (only a comment)']],
];

describe('storedFields: the SEARCH text of each field is what the header scan reads', () => {
  for (const [name, lines] of FIELD_LINES) {
    it(name, () => {
      const bytes = headerMessage(lines);
      const summary = summarizeMessage(bytes);
      const header = Buffer.from(bytes.subarray(0, summary.body.range.bodyStart));
      const fields = storedFields(summary, header);
      for (const field of STORED_SEARCH_FIELDS) expect([field, fields.search[field]]).toEqual([field, searchTextAsScanned(header, field)]);
    });
  }
  it('an 8-bit subject with trailing blanks, a From with a trailing space', () => {
    const bytes = normalizeLineEnds(Buffer.concat([Buffer.from('Subject: R'), Buffer.from([0xe9, 0x20, 0x20]), Buffer.from('\r\nFrom: a@b.c \r\n\r\nx\r\n')]));
    const summary = summarizeMessage(bytes);
    const header = Buffer.from(bytes.subarray(0, summary.body.range.bodyStart));
    const fields = storedFields(summary, header);
    for (const field of STORED_SEARCH_FIELDS) expect([field, fields.search[field]]).toEqual([field, searchTextAsScanned(header, field)]);
  });
});

describe('fieldValue: leading blanks go as the regular expression took them', () => {
  it('values with and without leading spaces and tabs, folded or not', () => {
    const lines = ['A: x', 'B:x', 'C:   x  ', 'D:\t \tx', 'E:', 'F:   ', 'G:\t', 'H:\r\n x', 'I: \r\n\tx', 'J: \u00a0x', 'K:  =?utf-8?q?x?='];
    const bytes = normalizeLineEnds(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`));
    const block = scanHeader(bytes, 0, bytes.length);
    expect(block.fields).toHaveLength(lines.length);
    for (const field of block.fields) {
      let end = field.end;
      if (bytes[end - 1] === 0x0a) end--;
      if (bytes[end - 1] === 0x0d) end--;
      const expected = unfold(decodeHeaderBytes(bytes, field.valueStart, end)).replace(/^[ \t]+/, '');
      expect([field.name, fieldValue(bytes, field)]).toEqual([field.name, expected]);
    }
  });
});

describe('the header bytes and scan summarizeMessage keeps for its summary', () => {
  const messages = [
    headerMessage(['From: Ann <ann@example.com>', 'Subject: =?utf-8?q?caf=C3=A9?=']),
    normalizeLineEnds(Buffer.concat([Buffer.from('Subject: R'), Buffer.from([0xe9, 0xff]), Buffer.from(' \u00e9t\u00e9\r\nTo: b@c.d\r\n\r\nbody\r\n')])),
    Buffer.from('Subject: no body, no blank line\r\n'),
    Buffer.from('\r\nno header at all\r\n'),
  ];

  it('headerBytesOf gives encodeHeaderText of the header text, for a summary it made or one read back from JSON', () => {
    for (const bytes of messages) {
      const summary = summarizeMessage(bytes);
      expect(headerBytesOf(summary).equals(encodeHeaderText(summary.header))).toBe(true);
      const parsed = JSON.parse(JSON.stringify(summary)) as typeof summary;
      expect(headerBytesOf(parsed).equals(encodeHeaderText(summary.header))).toBe(true);
    }
  });

  it('storedFields reads the header it is given: the kept scan only for the same bytes', () => {
    const summary = summarizeMessage(headerMessage(['From: ann@example.com', 'Subject: first']));
    const other = summarizeMessage(headerMessage(['From: "Zed Longer Name" <zed@example.org>', 'To: x@example.com', 'Subject: a different subject']));
    const otherHeader = encodeHeaderText(other.header);
    // The same summary with another header block: its search text is that block's.
    const fields = storedFields(summary, otherHeader);
    for (const field of STORED_SEARCH_FIELDS) expect([field, fields.search[field]]).toEqual([field, searchTextAsScanned(otherHeader, field)]);
    const own = storedFields(summary);
    for (const field of STORED_SEARCH_FIELDS) expect([field, own.search[field]]).toEqual([field, searchTextAsScanned(encodeHeaderText(summary.header), field)]);
  });
});

describe('scanHeader: a field name spelled as most messages spell it gives the name as written and its key', () => {
  it('known spellings, other cases, near misses and 8-bit names', () => {
    const names = [
      'From', 'FROM', 'from', 'To', 'TO', 'Cc', 'CC', 'Subject', 'SUBJECT', 'Subjec', 'Subjectx', 'Message-ID', 'Message-Id', 'message-id',
      'MESSAGE-ID', 'Message_ID', 'MIME-Version', 'Mime-Version', 'Content-Type', 'content-type', 'Content-Typf', 'Content-Transfer-Encoding',
      'X-Mailer', 'X-Mailex', 'Received', 'Date', 'DATE', 'Dat\u00e9', 'Fr\u00f6m', 'References', 'Referencez', 'In-Reply-To', 'Reply-To',
    ];
    const bytes = Buffer.concat([...names.map((n) => Buffer.from(`${n}: v\r\n`, 'latin1')), Buffer.from('\r\n')]);
    const fields = scanHeader(bytes, 0, bytes.length).fields;
    expect(fields.map((f) => [f.name, f.key])).toEqual(names.map((n) => [n, n.toLowerCase()]));
  });
});
