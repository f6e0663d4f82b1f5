/** The RFC 5464 entry-name grammar (section 3.2) with Cyrus's trailing wildcards, and the two commands' arguments: tables. */
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/imap/wire/cursor.js';
import { parseCommandText } from '../../src/imap/wire/parse/index.js';
import { entryName } from '../../src/imap/wire/parse/metadata.js';

describe('entryName', () => {
  const cases: Array<[string, boolean, ReturnType<typeof entryName> | 'prefix' | 'invalid']> = [
    ['/shared/comment', false, { scope: 'shared', path: '/comment', wildcard: null }],
    ['/Private/Comment', false, { scope: 'private', path: '/comment', wildcard: null }],
    ['/shared', false, { scope: 'shared', path: '', wildcard: null }],
    ['/shared/vendor/cmu/cyrus-imapd/expire', false, { scope: 'shared', path: '/vendor/cmu/cyrus-imapd/expire', wildcard: null }],
    ['/comment', false, 'prefix'],
    ['comment', false, 'prefix'],
    ['/sharedcomment', false, 'prefix'],
    ['', false, 'prefix'],
    ['/shared/comment/', false, 'invalid'],
    ['/shared//comment', false, 'invalid'],
    ['/shared/com*ment', false, 'invalid'],
    ['/shared/com%ment', false, 'invalid'],
    ['/shared/*', false, 'invalid'],
    ['/shared/a b', false, 'invalid'],
    ['/shared/a\u0001', false, 'invalid'],
    ['/shared/caf\u00e9', false, 'invalid'],
    ['/shared/*', true, { scope: 'shared', path: '/', wildcard: '*' }],
    ['/private/%', true, { scope: 'private', path: '/', wildcard: '%' }],
    ['/shared*', true, { scope: 'shared', path: '', wildcard: '*' }],
    ['/shared/comm*', true, { scope: 'shared', path: '/comm', wildcard: '*' }],
    ['/shared/vendor/cmu/cyrus-imapd/%', true, { scope: 'shared', path: '/vendor/cmu/cyrus-imapd/', wildcard: '%' }],
    ['/shared/c*m*', true, 'invalid'],
    ['/shared//*', true, 'invalid'],
    ['/other/*', true, 'prefix'],
  ];
  it.each(cases)('%s (wildcards %s)', (raw, wildcards, expected) => {
    const got = entryName(raw, wildcards);
    if (typeof expected === 'string') expect('error' in got ? got.error : got).toBe(expected);
    else expect(got).toEqual(expected);
  });
});

describe('GETMETADATA and SETMETADATA arguments', () => {
  it.each([
    ['INBOX /shared/comment', { mailbox: 'INBOX', entries: ['/shared/comment'], maxSize: null, depth: 0 }],
    ['"" (/shared/comment "/private/comment")', { mailbox: '', entries: ['/shared/comment', '/private/comment'], maxSize: null, depth: 0 }],
    ['(MAXSIZE 100 DEPTH infinity) work /shared', { mailbox: 'work', entries: ['/shared'], maxSize: 100, depth: 'infinity' }],
    ['(depth 1) work (/shared/*)', { mailbox: 'work', entries: ['/shared/*'], maxSize: null, depth: 1 }],
    // Cyrus's (and the drafts') place for the options: after the mailbox.
    ['work (MAXSIZE 5) /shared/comment', { mailbox: 'work', entries: ['/shared/comment'], maxSize: 5, depth: 0 }],
    ['work /shared/vendor/%', { mailbox: 'work', entries: ['/shared/vendor/%'], maxSize: null, depth: 0 }],
  ])('GETMETADATA %s', (args, expected) => {
    expect(parseCommandText('GETMETADATA', ` ${args}`)).toEqual({ name: 'GETMETADATA', ...expected });
  });

  it.each(['(DEPTH 2) work /shared', '(SIZE 5) work /shared', 'work ()', 'work', '() work /shared'])('GETMETADATA %s is a syntax error', (args) => {
    expect(() => parseCommandText('GETMETADATA', ` ${args}`)).toThrow(ParseError);
  });

  it('SETMETADATA takes strings and NIL', () => {
    expect(parseCommandText('SETMETADATA', ' work (/shared/comment "a b" /private/comment NIL)')).toEqual({
      name: 'SETMETADATA', mailbox: 'work', values: [{ entry: '/shared/comment', value: Buffer.from('a b') }, { entry: '/private/comment', value: null }],
    });
    for (const args of ['work ()', 'work (/shared/comment)', 'work /shared/comment "x"', 'work (/shared/comment x)']) {
      expect(() => parseCommandText('SETMETADATA', ` ${args}`), args).toThrow(ParseError);
    }
  });
});
