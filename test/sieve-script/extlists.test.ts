// extlists (RFC 6134): the :list match type, valid_ext_list and redirect :list, over lists the
// caller resolves (SieveEnvironment.listContains / listExists); the names are the address books'.
import { describe, expect, it } from 'vitest';
import { addressBookOf } from '../../src/sieve-script/index.js';
import { compileError, environment, message, outcome } from './helpers.js';

const msg = message(['From: Friend <friend@example.org>', 'To: me@example.com', 'Subject: hello', 'X-Sender: friend@example.org', 'Message-ID: <1@example.org>']);
const FRIENDS = new Map([['friends', new Set(['friend@example.org', 'other@example.net'])], ['default', new Set(['boss@example.org'])]]);
/** A caller with two books: "Friends" and the default one. */
const books = environment({
  envelopeFrom: 'friend@example.org',
  listContains: (list, value) => FRIENDS.get(addressBookOf(list)!.toLowerCase())?.has(value.toLowerCase()) ?? false,
  listExists: (list) => FRIENDS.has(addressBookOf(list)!.toLowerCase()),
});
const REQUIRE = 'require ["extlists", "fileinto", "envelope", "variables", "date"];\n';
const run = (source: string) => outcome(REQUIRE + source, msg, books);

describe('list names', () => {
  it.each([
    [':addrbook:default', 'Default'],
    [':addrbook:DEFAULT', 'Default'],
    ['urn:ietf:params:sieve:addrbook:default', 'Default'],
    ['URN:IETF:params:sieve:addrbook:Friends', 'Friends'],
    [':addrbook:My%20Friends', 'My Friends'],
    [':addrbook:', null],
    [':addrbook:a.b', null],
    [':addrbook:a%2Fb', null],
    ['tag:example.com,2020:list', null],
    ['friends', null],
    [':addrbook:%zz', null],
  ])('%s names %s', (list, book) => {
    expect(addressBookOf(list)).toBe(book);
  });
});

describe(':list', () => {
  it('address, envelope and header match when a list holds the value; ${0} is the value', () => {
    expect(run('if address :list "from" ":addrbook:friends" { fileinto "Friends"; }').names).toEqual(['Friends']);
    expect(run('if address :list "from" ":addrbook:default" { fileinto "Boss"; }').names).toEqual(['keep']);
    expect(run('if envelope :list "from" "urn:ietf:params:sieve:addrbook:Friends" { fileinto "Friends"; }').names).toEqual(['Friends']);
    // header compares the whole value: "Friend <friend@example.org>" is no address of the book, X-Sender is.
    expect(run('if header :list "from" ":addrbook:friends" { fileinto "Friends"; }').names).toEqual(['keep']);
    expect(run('if header :list "x-sender" ":addrbook:friends" { fileinto "F-${0}"; }').names).toEqual(['F-friend@example.org']);
  });

  it('any of several lists, and string :list with variables', () => {
    expect(run('if address :list "from" [":addrbook:default", ":addrbook:friends"] { fileinto "Known"; }').names).toEqual(['Known']);
    expect(run('set "who" "other@example.net"; if string :list "${who}" ":addrbook:friends" { fileinto "Known"; }').names).toEqual(['Known']);
  });

  it('without a caller that resolves lists nothing matches', () => {
    expect(outcome(`${REQUIRE}if address :list "from" ":addrbook:friends" { fileinto "Friends"; }`, msg, environment()).names).toEqual(['keep']);
  });

  it('a list name from a variable that names no list is a runtime error (the message is kept)', () => {
    const out = run('set "l" "friends";\nif address :list "from" "${l}" { discard; }');
    expect(out.error).toMatch(/^:list: "friends" is not a list this server knows/);
    expect(out.names).toEqual(['keep']);
  });

  it.each([
    ['if address :list "from" ":addrbook:friends" { keep; }', 'require "fileinto";', 'line 2: :list needs require "extlists"'],
    ['if address :list "from" "friends" { keep; }', 'require "extlists";',
      'line 2: address :list: "friends" is not a list this server knows (use "urn:ietf:params:sieve:addrbook:NAME" or ":addrbook:NAME", such as ":addrbook:default")'],
    ['if header :is :list "from" ":addrbook:friends" { keep; }', 'require "extlists";', 'line 2: header: only one match type may be given (:is and :list)'],
    ['deleteheader :list "x-a" ":addrbook:friends";', 'require ["extlists", "editheader"];', 'line 2: deleteheader: :list cannot be used here'],
  ])('refuses %s', (source, require, error) => {
    expect(compileError(`${require}\n${source}`)).toBe(error);
  });
});

describe('valid_ext_list', () => {
  it('is true when every list exists, false when one does not or is no list name at all', () => {
    expect(run('if valid_ext_list ":addrbook:friends" { fileinto "Y"; }').names).toEqual(['Y']);
    expect(run('if valid_ext_list [":addrbook:friends", ":addrbook:default"] { fileinto "Y"; }').names).toEqual(['Y']);
    expect(run('if valid_ext_list [":addrbook:friends", ":addrbook:enemies"] { fileinto "Y"; }').names).toEqual(['keep']);
    expect(run('if valid_ext_list "tag:example.com,2020:x" { fileinto "Y"; }').names).toEqual(['keep']);
  });

  it.each([
    ['if valid_ext_list ":addrbook:default" { keep; }', '', 'line 2: "valid_ext_list" needs require "extlists"'],
    ['if valid_ext_list { keep; }', 'require "extlists";', 'line 2: valid_ext_list: expected 1 argument after the tags, found 0'],
  ])('refuses %s', (source, require, error) => {
    expect(compileError(`${require}\n${source}`)).toBe(error);
  });
});

describe('redirect :list', () => {
  it('redirects to the list (resolved by the caller), as one redirect', () => {
    const out = run('redirect :list ":addrbook:friends"; redirect :list ":addrbook:Friends"; redirect "friends@example.org";');
    expect(out.error).toBeNull();
    expect(out.actions).toEqual([
      { type: 'redirect', address: ':addrbook:friends', list: true },
      { type: 'redirect', address: 'friends@example.org' },
    ]);
  });

  it.each([
    ['redirect :list "friends@example.org";', 'require "extlists";',
      'line 2: redirect :list: "friends@example.org" is not a list this server knows (use "urn:ietf:params:sieve:addrbook:NAME" or ":addrbook:NAME", such as ":addrbook:default")'],
    ['redirect :list ":addrbook:x";', '', 'line 2: :list needs require "extlists"'],
  ])('refuses %s', (source, require, error) => {
    expect(compileError(`${require}\n${source}`)).toBe(error);
  });
});
