// environment (RFC 5183), ihave and error (RFC 5463), index (RFC 5260 section 6).
import { describe, expect, it } from 'vitest';
import { SUPPORTED_EXTENSIONS } from '../../src/sieve-script/index.js';
import { compileError, environment, message, outcome } from './helpers.js';

const items = { domain: 'example.com', host: 'mx.example.com', location: 'MDA', phase: 'during', name: 'cyrusts', 'remote-ip': '192.0.2.7' };
const msg = message([
  'Received: from c by b; Tue, 1 Dec 2026 10:00:00 +0000',
  'Received: from b by a; Mon, 30 Nov 2026 09:00:00 +0000',
  'From: a@example.org',
  'To: first@example.com',
  'To: second@example.net',
  'X-Tag: one',
  'X-Tag: two',
  'X-Tag: three',
  'Subject: s',
]);

describe('environment', () => {
  it.each([
    ['an item matches', 'if environment "location" "MDA" { fileinto "Hit"; }', ['Hit']],
    ['item names are case-insensitive', 'if environment "PHASE" "during" { fileinto "Hit"; }', ['Hit']],
    ['match types and comparators apply', 'if environment :matches "remote-ip" "192.0.2.*" { fileinto "Hit"; }', ['Hit']],
    ['an item that does not match', 'if environment "domain" "example.org" { fileinto "Hit"; }', ['keep']],
    ['an unknown item is false, even with :contains ""', 'if environment :contains "remote-host" "" { fileinto "Hit"; }', ['keep']],
    ['its value in a variable', 'if environment :matches "host" "*.example.com" { fileinto "${1}"; }', ['mx']],
  ])('%s', (_name, source, names) => {
    const out = outcome(`require ["environment", "fileinto", "variables"];\n${source}`, msg, environment({ items }));
    expect(out.error).toBeNull();
    expect(out.names).toEqual(names);
  });

  it('knows nothing without the caller\'s items', () => {
    expect(outcome('require ["environment", "fileinto"]; if environment "location" "MDA" { fileinto "Hit"; }', msg).names).toEqual(['keep']);
  });

  it.each([
    ['if environment "location" "MDA" { keep; }', /"environment" needs require "environment"/, false],
    ['if environment "location" { keep; }', /expected 2 arguments/, true],
    ['if environment ["a", "b"] "x" { keep; }', /argument 1 must be a string/, true],
  ])('checks %s', (source, error, required) => {
    expect(compileError(`${required ? 'require "environment";\n' : ''}${source}`)).toMatch(error);
  });
});

describe('ihave and error', () => {
  it('a block of an extension the server has runs without its require', () => {
    const out = outcome('require "ihave";\nif ihave "fileinto" { fileinto "Hit"; }', msg);
    expect(out.names).toEqual(['Hit']);
  });

  it('a block of an unknown extension may hold unknown commands, and does not run', () => {
    const source = 'require ["ihave", "fileinto"];\nif ihave ["fileinto", "x-unknown"] { frobnicate :now "x"; fileinto "No"; } else { fileinto "Else"; }';
    expect(compileError(source)).toBeNull();
    expect(outcome(source, msg).names).toEqual(['Else']);
  });

  it('an extension the server does not allow counts as missing', () => {
    const source = 'require ["ihave", "fileinto"];\nif ihave "vacation" { vacation "away"; } else { fileinto "Else"; }';
    expect(outcome(source, msg, environment(), ['ihave', 'fileinto']).names).toEqual(['Else']);
    expect(outcome(source, msg).names).toEqual(['keep']);
  });

  it('enables the extension only inside its block', () => {
    expect(compileError('require "ihave";\nif ihave "fileinto" { fileinto "A"; }\nfileinto "B";')).toMatch(/line 3: "fileinto" needs require "fileinto"/);
    expect(compileError('require "ihave";\nif allof (ihave "fileinto", true) { fileinto "A"; }')).toBeNull();
    expect(compileError('require "ihave";\nif ihave "fileinto" { keep; } else { fileinto "B"; }')).toMatch(/"fileinto" needs require "fileinto"/);
  });

  it('checks the block of a known extension as usual', () => {
    expect(compileError('require "ihave";\nif ihave "fileinto" { fileinto :bogus "A"; }')).toMatch(/unknown tag ":bogus"/);
  });

  it('variables enabled by ihave work in the block', () => {
    const out = outcome('require ["ihave", "fileinto"];\nif ihave "variables" { set "box" "Var"; fileinto "${box}"; }', msg);
    expect(out.names).toEqual(['Var']);
  });

  it('error ends the script with a runtime error (the message is kept)', () => {
    const out = outcome('require ["ihave", "fileinto"];\nfileinto "A";\nif not ihave "x-none" { error "needs x-none"; }', msg);
    expect(out.error).toBe('line 3: error: needs x-none');
    expect(out.names).toEqual(['keep']);
  });

  it('needs require "ihave"', () => {
    expect(compileError('if ihave "fileinto" { keep; }')).toMatch(/"ihave" needs require "ihave"/);
    expect(compileError('error "x";')).toMatch(/"error" needs require "ihave"/);
  });
});

describe('index', () => {
  it.each([
    ['the second field of a name', 'if header :index 2 "x-tag" "two" { fileinto "Hit"; }', ['Hit']],
    ['counted from the end with :last', 'if header :index 1 :last "x-tag" "three" { fileinto "Hit"; }', ['Hit']],
    ['only that field is tested', 'if header :index 1 "x-tag" "two" { fileinto "Hit"; }', ['keep']],
    ['past the last field: nothing to test', 'if header :index 4 "x-tag" "one" { fileinto "Hit"; }', ['keep']],
    ['address', 'if address :index 2 :domain "to" "example.net" { fileinto "Hit"; }', ['Hit']],
    ['address, not the other field', 'if address :index 1 :domain "to" "example.net" { fileinto "Hit"; }', ['keep']],
    ['date of the last Received', 'if date :index 1 :last :zone "+0000" "received" "day" "30" { fileinto "Hit"; }', ['Hit']],
    ['date of the first Received', 'if date :index 1 :zone "+0000" "received" "day" "01" { fileinto "Hit"; }', ['Hit']],
  ])('%s', (_name, source, names) => {
    const out = outcome(`require ["index", "fileinto", "date"];\n${source}`, msg);
    expect(out.error).toBeNull();
    expect(out.names).toEqual(names);
  });

  it.each([
    ['if header :index 1 "x" "y" { keep; }', /:index needs require "index"/, false],
    ['if header :last :index 1 "x" "y" { keep; }', /:last needs require "index"/, false],
    ['if header :last "x" "y" { keep; }', /:last needs :index/, true],
    ['if header :index 0 "x" "y" { keep; }', /:index counts from 1/, true],
    ['if header :index "1" "x" "y" { keep; }', /:index needs a number/, true],
    ['if envelope :index 1 "to" "y" { keep; }', /unknown tag ":index"/, true],
  ])('checks %s', (source, error, required) => {
    expect(compileError(`${required ? 'require ["index", "envelope"];\n' : 'require "envelope";\n'}${source}`)).toMatch(error);
  });
});

it('the capability lists environment, ihave and index', () => {
  expect(SUPPORTED_EXTENSIONS).toEqual(expect.arrayContaining(['environment', 'ihave', 'index']));
});
