import { describe, expect, it } from 'vitest';
import { encodeUrlMailbox, parseImapUrl, parseUrlDateTime, urlBasePath, UrlError } from '../../../src/imap/wire/parse/url.js';

describe('IMAP URL parser (RFC 5092)', () => {
  const good: Array<[string, string, Record<string, unknown>]> = [
    ['/INBOX/;UID=20', '/', { absolute: false, mailbox: 'INBOX', uid: 20, uidValidity: null, section: null, partial: null, urlauth: null }],
    ['/INBOX;UIDVALIDITY=385759045/;UID=20', '/', { mailbox: 'INBOX', uidValidity: 385759045, uid: 20 }],
    ['/Drafts;UIDVALIDITY=385759045/;UID=30/;SECTION=1.2.MIME', '/', { mailbox: 'Drafts', uid: 30, section: '1.2.MIME' }],
    ['/a/b%20c/;uid=1/;section=HEADER.FIELDS%20(Subject)/;partial=5.10', '/', { mailbox: 'a/b c', section: 'HEADER.FIELDS (Subject)', partial: { offset: 5, length: 10 } }],
    ['/x/;UID=1/;PARTIAL=0', '/', { partial: { offset: 0, length: null } }],
    [';UID=7', '/Sent/', { mailbox: 'Sent', uid: 7 }],
    ['Sub/;UID=7/;SECTION=TEXT', '/Sent/', { mailbox: 'Sent/Sub', uid: 7, section: 'TEXT' }],
    ['/%E2%82%AC/;UID=1', '/', { mailbox: '\u20ac' }],
    ['imap://fred@Mail.Example.COM/INBOX/;uid=1', '/', { absolute: true, user: 'fred', host: 'mail.example.com', port: null, mailbox: 'INBOX' }],
    ['imap://fred;AUTH=*@localhost:143/INBOX/;uid=1', '/', { user: 'fred', host: 'localhost', port: 143 }],
    ['imap://fred%40example.org@[::1]/INBOX/;uid=1', '/', { user: 'fred@example.org', host: '[::1]' }],
  ];
  for (const [url, base, expected] of good) {
    it(`parses ${url}`, () => {
      expect(parseImapUrl(url, base)).toMatchObject(expected);
    });
  }

  it('parses the URLAUTH tail: expiry, access, rump, mechanism and token', () => {
    const url = 'imap://joe@example.com/INBOX/;uid=20/;section=1.2;expire=2030-01-02T03:04:05Z;urlauth=submit+fred:INTERNAL:91354A473744909DE610943775F92038';
    const parsed = parseImapUrl(url);
    expect(parsed.section).toBe('1.2');
    expect(parsed.urlauth).toEqual({
      expire: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
      access: { kind: 'submit', userid: 'fred' },
      rump: 'imap://joe@example.com/INBOX/;uid=20/;section=1.2;expire=2030-01-02T03:04:05Z;urlauth=submit+fred',
      mechanism: 'INTERNAL',
      token: '91354a473744909de610943775f92038',
    });
    expect(parseImapUrl('imap://joe@h/INBOX/;uid=1;urlauth=anonymous').urlauth).toMatchObject({ access: { kind: 'anonymous' }, mechanism: null, token: null, rump: 'imap://joe@h/INBOX/;uid=1;urlauth=anonymous' });
    expect(parseImapUrl('imap://joe@h/INBOX/;uid=1;URLAUTH=AuthUser').urlauth?.access).toEqual({ kind: 'authuser' });
    expect(parseImapUrl('imap://joe@h/INBOX/;uid=1;urlauth=user+a%2Bb').urlauth?.access).toEqual({ kind: 'user', userid: 'a+b' });
  });

  const bad: Array<[string, string]> = [
    ['', 'empty'],
    ['/INBOX', 'whole mailbox'],
    ['/INBOX?SUBJECT%20x', 'search'],
    ['imap://fred@localhost', 'server only'],
    ['imap://fred@localhost/', 'mailbox list'],
    ['/INBOX/;UID=0', 'zero UID'],
    ['/INBOX/;UID=x', 'UID not a number'],
    ['/INBOX/;UID=99999999999', 'UID out of range'],
    ['/INBOX;UIDVALIDITY=0/;UID=1', 'zero UIDVALIDITY'],
    ['/INBOX/;UID=1;SECTION=1', 'section without "/"'],
    ['/INBOX/;UID=1/;PARTIAL=a', 'bad partial'],
    ['/INBOX/;UID=1/;PARTIAL=1.0', 'zero partial length'],
    ['/INBOX/;UID=1/;FOO=1', 'unknown component'],
    ['/IN%ZZBOX/;UID=1', 'bad percent-encoding'],
    ['/;UID=1', 'no mailbox'],
    ['//host/INBOX/;UID=1', 'network-path reference'],
    ['http://x/INBOX/;UID=1', 'another scheme'],
    ['/INBOX/;UID=1;expire=2030-01-01T00:00:00Z', 'EXPIRE without URLAUTH'],
    ['imap://a@h/INBOX/;UID=1;urlauth=foo', 'unknown access identifier'],
    ['imap://a@h/INBOX/;UID=1;urlauth=user+', 'empty access user'],
    ['imap://a@h/INBOX/;UID=1;urlauth=anonymous:internal:abcd', 'short token'],
    ['imap://a@h/INBOX/;UID=1;urlauth=anonymous:internal:' + 'g'.repeat(32), 'token not hex'],
    ['imap://a@h/INBOX/;UID=1;expire=2030-13-01T00:00:00Z;urlauth=anonymous', 'bad month'],
    ['/IN BOX/;UID=1', 'space'],
    ['imap://a@h:99999/INBOX/;UID=1', 'port out of range'],
  ];
  for (const [url, why] of bad) {
    it(`refuses ${JSON.stringify(url)} (${why})`, () => {
      expect(() => parseImapUrl(url)).toThrow(UrlError);
    });
  }

  it('reads RFC 3339 date-times with offsets and fractions', () => {
    expect(parseUrlDateTime('2030-01-01T01:30:00+01:30').toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(parseUrlDateTime('2030-01-01T00:00:00.250z').toISOString()).toBe('2030-01-01T00:00:00.250Z');
    expect(() => parseUrlDateTime('2030-01-01 00:00:00Z')).toThrow(UrlError);
  });

  it('encodes mailbox names for base paths', () => {
    expect(encodeUrlMailbox('a b/c€')).toBe('a%20b/c%E2%82%AC');
    expect(urlBasePath(null)).toBe('/');
    expect(urlBasePath('Sent Items')).toBe('/Sent%20Items/');
    expect(parseImapUrl(';uid=3', urlBasePath('Sent Items')).mailbox).toBe('Sent Items');
  });
});
