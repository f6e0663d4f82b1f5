import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSieve, lexSieve, runSieve } from '../../src/sieve-script/index.js';

// Pieces of Sieve, so that random scripts get past the lexer often enough to reach the checks.
const piece = fc.constantFrom(
  'require', 'if', 'elsif', 'else', 'keep', 'discard', 'stop', 'fileinto', 'redirect', 'header', 'address', 'envelope',
  'anyof', 'allof', 'not', 'true', 'false', 'size', 'exists', 'vacation', 'set', 'string', 'addflag', 'hasflag', 'body',
  ':is', ':contains', ':matches', ':count', ':value', ':over', ':comparator', ':copy', ':flags', ':days', ':localpart',
  '"fileinto"', '"variables"', '"x*"', '"a@example.com"', '"gt"', '"i;ascii-numeric"', '["a", "b"]', '10K', '3',
  '{', '}', '(', ')', '[', ']', ',', ';', '\n', ' ', '#c\n', '/*', '*/', 'text:\n', '\n.\n', '"', '\\',
);
const scriptish = fc.array(piece, { maxLength: 40 }).map((parts) => parts.join(' '));

// Valid scripts built from the grammar, to check the interpreter's invariants.
const key = fc.constantFrom('"a"', '"*example*"', '"fred@example.org"', '["x", "s?"]', '""');
const { test: validTest } = fc.letrec<{ test: string }>((tie) => ({
  test: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('true', 'false', 'exists "from"', 'size :over 10', 'size :under 1K', 'hasflag "x"'),
    fc.tuple(fc.constantFrom(':is', ':contains', ':matches', ''), fc.constantFrom('"subject"', '["from", "to"]'), key)
      .map(([m, h, k]) => `header ${m} ${h} ${k}`),
    fc.tuple(fc.constantFrom(':all', ':localpart', ':domain', ':user', ':detail'), key).map(([p, k]) => `address ${p} :matches "from" ${k}`),
    tie('test').map((t) => `not ${t}`),
    fc.array(tie('test'), { minLength: 1, maxLength: 3 }).map((ts) => `anyof (${ts.join(', ')})`),
    fc.array(tie('test'), { minLength: 1, maxLength: 3 }).map((ts) => `allof (${ts.join(', ')})`),
  ),
}));
const action = fc.constantFrom(
  'keep;', 'discard;', 'stop;', 'fileinto "A";', 'fileinto :copy "B";', 'redirect "r@example.net";', 'redirect :copy "c@example.net";',
  'addflag "x";', 'removeflag "x";', 'keep :flags "y";', 'set "v" "${1}";',
);
const { block: validBlock } = fc.letrec<{ block: string }>((tie) => ({
  block: fc.array(fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    action,
    fc.tuple(validTest, tie('block'), fc.option(tie('block'))).map(([t, b, e]) => `if ${t} { ${b} }${e === null ? '' : ` else { ${e} }`}`),
  ), { maxLength: 5 }).map((parts) => parts.join('\n')),
}));
const prelude = 'require ["fileinto", "copy", "imap4flags", "variables", "subaddress"];\n';

describe('properties', () => {
  it('the lexer never throws, whatever the input', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), scriptish), (source) => {
      const result = lexSieve(source);
      expect(typeof result.ok).toBe('boolean');
    }), { numRuns: 500 });
  });

  it('compileSieve never throws; a refusal always says which line', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), scriptish), (source) => {
      const result = compileSieve(source);
      if (!result.ok) {
        expect(result.errors.length).toBeGreaterThan(0);
        for (const error of result.errors) expect(error).toMatch(/^line \d+: /);
      }
    }), { numRuns: 1000 });
  });

  it('scripts from the grammar compile, and the implicit keep is there unless cancelled', () => {
    const header = Buffer.from('From: Fred <fred+x@example.org>\r\nTo: b@example.com\r\nSubject: s1\r\n\r\n');
    const message = { header, content: header, size: header.length };
    const env = { envelopeFrom: 'fred@example.org', envelopeTo: 'b@example.com', userAddresses: [], mailboxExists: () => true };
    fc.assert(fc.property(validBlock, (body) => {
      const result = compileSieve(prelude + body);
      expect(result.ok ? [] : result.errors).toEqual([]);
      if (!result.ok) return;
      const { actions, error } = runSieve(result.script, message, env);
      expect(error).toBeNull();
      const cancelled = actions.some((a) => a.type === 'discard' || (a.type === 'fileinto' && !body.includes(`:copy "${a.mailbox}"`))
        || (a.type === 'redirect' && !body.includes(`:copy "${a.address}"`)));
      const keeps = actions.filter((a) => a.type === 'keep').length;
      expect(keeps).toBeLessThanOrEqual(1);
      if (!cancelled) expect(keeps).toBe(1);
      const mailboxes = actions.flatMap((a) => (a.type === 'fileinto' ? [a.mailbox] : []));
      expect(new Set(mailboxes).size).toBe(mailboxes.length);
    }), { numRuns: 500 });
  });

  it('whatever compiles runs to an outcome without throwing', () => {
    const header = Buffer.from('From: a@example.org\r\nTo: b@example.com\r\nSubject: s\r\n\r\n');
    const message = { header, content: Buffer.concat([header, Buffer.from('body\r\n')]), size: header.length + 6 };
    const env = { envelopeFrom: 'a@example.org', envelopeTo: 'b@example.com', userAddresses: ['b@example.com'], mailboxExists: () => true };
    fc.assert(fc.property(scriptish, (source) => {
      const result = compileSieve(source);
      if (!result.ok) return;
      const outcome = runSieve(result.script, message, env);
      expect(Array.isArray(outcome.actions)).toBe(true);
    }), { numRuns: 1000 });
  });
});
