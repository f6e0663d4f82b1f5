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
