/** The RFC 5464 entry-name grammar (section 3.2) with Cyrus's trailing wildcards: a table. */
import { describe, expect, it } from 'vitest';
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
