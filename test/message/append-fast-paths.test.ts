// The shortcuts the append path takes (normalizeForSearch's ASCII pass, storedFields' subject decoded
// once) give exactly what the general code gives: each table compares the two on the same input.
import { describe, expect, it } from 'vitest';
import { baseSubject, isReplyOrForward, normalizeForSearch, normalizeLineEnds, storedFields, summarizeMessage } from '../../src/message/index.js';
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

describe('normalizeForSearch: the ASCII pass gives what the Unicode path gives', () => {
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
