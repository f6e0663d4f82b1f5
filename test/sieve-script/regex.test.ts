// :regex (draft-ietf-sieve-regex): POSIX ERE translated to JavaScript, refused constructs, the
// backtracking guard, match variables.
import { describe, expect, it } from 'vitest';
import { compileSieve, LINEAR_REGEX, MAX_REGEX_INPUT, runSieve, translateEre, type SieveEnvironment, type SieveMessage } from '../../src/sieve-script/index.js';

function message(lines: string[]): SieveMessage {
  const header = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
  return { header, content: Buffer.concat([header, Buffer.from('Body.\r\n')]), size: header.length + 7 };
}
const msg = message(['From: Fred <fred.bloggs@example.org>', 'Subject: [Acme-Users] Release 1.23 is out', 'X-Spam-Score: 12.5']);
const env: SieveEnvironment = { envelopeFrom: 'fred@example.org', envelopeTo: 'me@example.com', userAddresses: ['me@example.com'], mailboxExists: () => true };

function fileinto(source: string, m: SieveMessage = msg): string[] {
  const r = compileSieve(`require ["regex", "fileinto", "variables"];\n${source}`);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  const out = runSieve(r.script, m, env);
  if (out.error !== null) throw new Error(out.error);
  return out.actions.map((a) => (a.type === 'fileinto' ? a.mailbox : a.type));
}

describe('translateEre', () => {
  it.each([
    ['^abc$', '^abc$'],
    ['a.c', 'a.c'],
    ['a|b|c', 'a|b|c'],
    ['(foo|bar)+', '(foo|bar)+'],
    ['x{2,5}', 'x{2,5}'],
    ['x{3}', 'x{3}'],
    ['x{2,}', 'x{2,}'],
    ['[[:alpha:]][[:digit:]]', '[a-zA-Z][0-9]'],
    ['[^[:space:]]', '[^ \\t\\n\\r\\f\\v]'],
    ['[]a]', '[\\]a]'],
    ['[a-]', '[a\\-]'],
    ['[\\d]', '[\\\\d]'],
    ['[[.-.]x]', '[\\-x]'],
    ['\\.\\*\\@', '\\.\\*@'],
    ['a/b}', 'a\\/b\\}'],
    ['()', '()'],
    ['(a?)+', null], // a repeated group holding a repetition: refused below
  ])('%s', (pattern, source) => {
    const t = translateEre(pattern);
    if (source === null) expect(t.ok).toBe(false);
    else expect(t).toEqual({ ok: true, source });
  });

  it.each([
    ['[A-c]', '[A-cA-Ca-z]', true],
    ['ab[^x-z0-9]', '[aA][bB][^x-zX-Z0-9]', true],
    ['[[:upper:]]', '[A-Za-z]', true],
    ['é', 'é', true],
  ])('under i;ascii-casemap: %s', (pattern, source, casemap) => {
    expect(translateEre(pattern, casemap)).toEqual({ ok: true, source });
  });

  it.each([
    ['\\d+', /\\d" is not a POSIX extended regular expression \(use \[\[:digit:\]\]\)/],
    ['\\w', /use \[\[:alnum:\]_\]/],
    ['(a)\\1', /back-references/],
    ['a*?', /two repetitions in a row/],
    ['a++', /two repetitions in a row/],
    ['(?:a)', /"\?" has nothing to repeat/],
    ['*a', /nothing to repeat/],
    ['a{x}', /must start a bound/],
    ['a{3,2}', /smaller than the first/],
    ['a{300}', /may not exceed 255/],
    ['[abc', /missing "\]"/],
    ['[[:foo:]]', /unknown character class/],
    ['[z-a]', /bad range/],
    ['(ab', /missing "\)"/],
    ['ab)', /unmatched "\)"/],
    ['abc\\', /lone/],
    ['(a+)+', /exponential time/],
    ['(a*b)*', /exponential time/],
    ['(a|ab)*', /exponential time/],
    ['(a|a){1,30}', /exponential time/],
    ['((ab)+c)+', /exponential time/],
  ])('refuses %s', (pattern, error) => {
    const t = translateEre(pattern);
    expect(t.ok).toBe(false);
    if (!t.ok) expect(t.error).toMatch(error);
  });
});

describe(':regex in scripts', () => {
  it.each([
    ['if header :regex "subject" "^\\\\[acme-[a-z]+\\\\]" { fileinto "Acme"; }', ['Acme']],
    ['if header :regex :comparator "i;octet" "subject" "^\\\\[acme" { fileinto "Acme"; }', ['keep']],
    ['if header :regex "subject" "release [[:digit:]]+\\\\.[[:digit:]]{2}" { fileinto "R"; }', ['R']],
    ['if header :regex "subject" "release [[:digit:]]{3}" { fileinto "R"; }', ['keep']],
    ['if address :regex :domain "from" "^(example|test)\\\\.(org|net)$" { fileinto "Ex"; }', ['Ex']],
    ['if header :regex "subject" "^\\\\[([^]]+)\\\\] Release ([0-9.]+)" { fileinto "${1}-${2}-${3}"; }', ['Acme-Users-1.23-']],
    ['if header :regex "x-spam-score" "^([1-9][0-9]+)\\\\." { fileinto "Spam${1}"; }', ['Spam12']],
    ['if header :regex "subject" ["nomatch", "(out|in)$"] { fileinto "${0}"; }', ['out']],
    ['if not header :regex "subject" "" { fileinto "x"; }', ['keep']],
    ['if header :regex "subject" "IS OUT$" { fileinto "Case"; }', ['Case']],
    // Bounds the linear engine refuses run on the ordinary one.
    ['if header :regex "subject" "^.{2,255}out$" { fileinto "Long"; }', ['Long']],
    ['if header :regex "subject" "(is ){1,200}out" { fileinto "Rep"; }', ['Rep']],
    ['if header :regex "subject" "[[:upper:]]{3}-users" { fileinto "Up"; }', ['Up']],
  ])('%s', (source, expected) => {
    expect(fileinto(source)).toEqual(expected);
  });

  it('tests only the first MAX_REGEX_INPUT characters of a value', () => {
    const long = message([`Subject: ${'x'.repeat(MAX_REGEX_INPUT + 100)} tail`]);
    expect(fileinto('if header :regex "subject" "tail$" { fileinto "T"; }', long)).toEqual(['keep']);
    expect(fileinto('if header :regex "subject" "^x+$" { fileinto "X"; }', long)).toEqual(['X']);
  });

  it('runs on the linear-time engine: fast on input built against a cubic pattern', () => {
    expect(LINEAR_REGEX).toBe(true);
    const long = message([`Subject: ${'a'.repeat(100_000)}`]);
    const t0 = process.hrtime.bigint();
    expect(fileinto('if header :regex "subject" "a*a*b" { fileinto "T"; }', long)).toEqual(['keep']);
    // About 20 ms here; a backtracking engine takes ~18 s on the 4096 characters tested (n³).
    expect(Number(process.hrtime.bigint() - t0) / 1e9).toBeLessThan(10);
  });

  it.each([
    ['if header :regex "subject" "\\\\d" { keep; }', /^line 2: :regex "\\d": "\\\\d" is not a POSIX/],
    ['if header :regex "subject" "(a+)+$" { keep; }', /^line 2: .*exponential time/],
    ['\nif header :regex "subject" "[oops" { keep; }', /^line 3: /],
    ['if header :regex :comparator "i;ascii-numeric" "subject" "1" { keep; }', /cannot be used with :regex/],
  ])('compile error: %s', (source, error) => {
    const r = compileSieve(`require ["regex", "comparator-i;ascii-numeric"];\n${source}`);
    expect(r.ok ? '' : r.errors[0]).toMatch(error);
  });

  it('needs require "regex"', () => {
    const r = compileSieve('if header :regex "subject" "a" { keep; }');
    expect(r.ok ? '' : r.errors[0]).toMatch(/:regex needs require "regex"/);
  });

  it('a key built from variables that is not an ERE is a runtime error: keep', () => {
    const r = compileSieve('require ["regex", "variables", "fileinto"];\nset "p" "\\\\d";\nif header :regex "subject" "${p}" { fileinto "x"; }');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const out = runSieve(r.script, msg, env);
    expect(out.actions).toEqual([{ type: 'keep', flags: null }]);
    expect(out.error).toMatch(/:regex "\\d"/);
  });
});
