import { describe, expect, it } from 'vitest';
import { lexSieve, type Token } from '../../src/sieve-script/index.js';

function tokens(source: string): Token[] {
  const result = lexSieve(source);
  if (!result.ok) throw new Error(result.error);
  return result.tokens;
}

const kinds = (source: string): string[] =>
  tokens(source).map((t) => `${t.kind}:${typeof t.value === 'number' ? t.value : JSON.stringify(t.value)}@${t.line}`);

describe('lexSieve: each token kind', () => {
  const table: Array<[string, string, string[]]> = [
    ['identifier, lower-cased', 'KeeP', ['identifier:"keep"@1']],
    ['tag', ':Comparator', ['tag:"comparator"@1']],
    ['number', '42', ['number:42@1']],
    ['K quantifier', '10K', ['number:10240@1']],
    ['M quantifier', '2m', ['number:2097152@1']],
    ['G quantifier', '1G', ['number:1073741824@1']],
    ['quoted string', '"a b"', ['string:"a b"@1']],
    ['escaped quote and backslash', '"a\\"b\\\\c"', ['string:"a\\"b\\\\c"@1']],
    ['other escapes drop the backslash', '"\\a\\*"', ['string:"a*"@1']],
    ['punctuation', '[ ] ( ) , ; { }', ['punct:"["@1', 'punct:"]"@1', 'punct:"("@1', 'punct:")"@1', 'punct:","@1', 'punct:";"@1', 'punct:"{"@1', 'punct:"}"@1']],
    ['hash comment', 'keep; # a comment\nstop;', ['identifier:"keep"@1', 'punct:";"@1', 'identifier:"stop"@2', 'punct:";"@2']],
    ['bracket comment over lines', 'keep /* one\ntwo */ ;\nstop', ['identifier:"keep"@1', 'punct:";"@2', 'identifier:"stop"@3']],
    ['string over two lines counts lines', '"a\nb" stop', ['string:"a\\nb"@1', 'identifier:"stop"@2']],
    ['multi-line text:', 'text:\nline one\n..dot\n.\nstop', ['string:"line one\\r\\n.dot\\r\\n"@1', 'identifier:"stop"@5']],
    ['multi-line with a comment and CRLF', 'text: # why\r\nhi\r\n.\r\n;', ['string:"hi\\r\\n"@1', 'punct:";"@4']],
    ['CRLF line ends', 'keep;\r\nstop;', ['identifier:"keep"@1', 'punct:";"@1', 'identifier:"stop"@2', 'punct:";"@2']],
  ];
  it.each(table)('%s', (_name, source, expected) => {
    expect(kinds(source)).toEqual(expected);
  });

  it('a multi-line string ends at the end of the input after "."', () => {
    expect(kinds('text:\nx\n.')).toEqual(['string:"x\\r\\n"@1']);
  });
});

describe('lexSieve: each error', () => {
  const table: Array<[string, string, string]> = [
    ['unterminated string', 'keep;\n"abc', 'line 2: unterminated string (missing closing ")'],
    ['string ending in a backslash', '"abc\\', 'line 1: unterminated string (missing closing ")'],
    ['unterminated bracket comment', 'keep;\n/* never', 'line 2: unterminated comment (missing "*/")'],
    ['unterminated text:', 'text:\nabc\n', 'line 1: unterminated text: string (missing a line with a single ".")'],
    ['text: with more on its line', 'text: abc\n.\n', 'line 1: text: must be followed by the end of the line'],
    ['bad number', '12x', 'line 1: bad number "12x"'],
    ['number too large', '99999999999999999999', 'line 1: number too large "99999999999999999999"'],
    ['tag without a name', 'keep :;', 'line 1: a tag needs a name after ":"'],
    ['stray character', 'keep;\n\nkeep @', 'line 3: unexpected character "@"'],
    ['control character', '\u0001', 'line 1: unexpected character "\\x01"'],
  ];
  it.each(table)('%s', (_name, source, error) => {
    expect(lexSieve(source)).toEqual({ ok: false, error });
  });
});
