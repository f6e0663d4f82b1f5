// Table tests for the socketmap wire: netstring framing (whole, split anywhere, byte at a time),
// the framing errors and the length limit, the "MAPNAME KEY" request, the reply netstrings, and
// the mapping of the recipient decision's errors to socketmap answers.
import { describe, expect, it } from 'vitest';
import { MailError } from '../../src/common/index.js';
import { smmapReplyFor } from '../../src/smmap/error-map.js';
import { addressOfKey } from '../../src/smmap/lookup.js';
import { NetstringReader, netstring, type NetstringEvent } from '../../src/smmap/wire/netstring.js';
import { parseRequest, serializeReply } from '../../src/smmap/wire/request.js';

const text = (events: NetstringEvent[]) => events.map((e) => (e.kind === 'payload' ? e.bytes.toString('utf8') : `error: ${e.reason}`));

/** Every event of `input` fed in pieces of `size` bytes. */
function feed(input: string, size: number, max = 100): string[] {
  const reader = new NetstringReader(max);
  const bytes = Buffer.from(input, 'utf8');
  const events: NetstringEvent[] = [];
  for (let i = 0; i < bytes.length; i += size) events.push(...reader.push(bytes.subarray(i, i + size)));
  return text(events);
}

describe('netstring reader', () => {
  const cases: Array<[string, string, string[]]> = [
    ['one request', '11:cyrus fred1,', ['cyrus fred1']],
    ['two in one chunk', '10:cyrus fred,9:cyrus joe,', ['cyrus fred', 'cyrus joe']],
    ['an empty netstring', '0:,', ['']],
    ['8-bit payload counted in bytes', '11:cyrus jörg,', ['cyrus jörg']],
    ['a comma and colon inside the payload', '5:a:b,c,', ['a:b,c']],
    ['not a netstring', 'cyrus fred\r\n', ['error: not a netstring (length expected)']],
    ['no colon after the length', '10;cyrus fred,', ['error: not a netstring (":" expected after the length)']],
    ['a colon with no length', ':cyrus,', ['error: not a netstring (length expected)']],
    ['no comma after the payload', '10:cyrus fred;9:cyrus joe,', ['error: not a netstring ("," expected after the payload)']],
    ['a payload longer than declared', '3:cyrus fred,', ['error: not a netstring ("," expected after the payload)']],
    ['a good one, then garbage', '9:cyrus joe,xyz', ['cyrus joe', 'error: not a netstring (length expected)']],
    ['a length over the limit', '101:', ['error: request longer than 100 bytes']],
    ['a length over the limit, refused before its colon', '99999999999999999999', ['error: request longer than 100 bytes']],
    ['exactly the limit', `100:${'x'.repeat(100)},`, ['x'.repeat(100)]],
  ];

  for (const [name, input, expected] of cases) {
    it(`${name}: whole, in pieces of 3, and a byte at a time`, () => {
      expect(feed(input, 1 << 20)).toEqual(expected);
      expect(feed(input, 3)).toEqual(expected);
      expect(feed(input, 1)).toEqual(expected);
    });
  }

  it('reads nothing after an error', () => {
    const reader = new NetstringReader(100);
    expect(text(reader.push(Buffer.from('x')))).toEqual(['error: not a netstring (length expected)']);
    expect(reader.failed).toBe(true);
    expect(reader.push(Buffer.from('9:cyrus joe,'))).toEqual([]);
  });

  it('knows when it stopped in the middle of a netstring', () => {
    const reader = new NetstringReader(100);
    expect(reader.midway).toBe(false);
    reader.push(Buffer.from('10:cyr'));
    expect(reader.midway).toBe(true);
    reader.push(Buffer.from('us fred,'));
    expect(reader.midway).toBe(false);
  });

  it('writes netstrings with the length in bytes', () => {
    expect(netstring('OK fred').toString()).toBe('7:OK fred,');
    expect(netstring('OK jörg').toString('utf8')).toBe('8:OK jörg,');
    expect(netstring('').toString()).toBe('0:,');
  });
});

describe('request and reply', () => {
  it('splits "MAPNAME KEY" at the first space; any map name is served', () => {
    expect(parseRequest(Buffer.from('cyrus fred@example.org'))).toEqual({ mapName: 'cyrus', key: 'fred@example.org' });
    expect(parseRequest(Buffer.from('virtuser a b'))).toEqual({ mapName: 'virtuser', key: 'a b' });
  });

  it('refuses what is not "MAPNAME KEY"', () => {
    expect(parseRequest(Buffer.from('fred'))).toEqual({ error: 'request is not "MAPNAME KEY" (no space)' });
    expect(parseRequest(Buffer.from(' fred'))).toEqual({ error: 'request is not "MAPNAME KEY" (empty map name)' });
    expect(parseRequest(Buffer.from('cyrus '))).toEqual({ error: 'request is not "MAPNAME KEY" (empty key)' });
    expect(parseRequest(Buffer.from('cyrus fr\red'))).toEqual({ error: 'control character in the request' });
    expect(parseRequest(Buffer.from([0x63, 0x20, 0xff]))).toEqual({ error: 'request is not UTF-8' });
  });

  it('writes the four answers as socketmap_table(5) has them', () => {
    expect(serializeReply({ status: 'OK', value: 'fred' }).toString()).toBe('7:OK fred,');
    expect(serializeReply({ status: 'NOTFOUND' }).toString()).toBe('9:NOTFOUND ,');
    expect(serializeReply({ status: 'TEMP', reason: 'Over quota' }).toString()).toBe('15:TEMP Over quota,');
    expect(serializeReply({ status: 'PERM', reason: 'x' }).toString()).toBe('6:PERM x,');
  });

  it('reads the key as an address, split at the last "@"', () => {
    expect(addressOfKey('fred')).toEqual({ localPart: 'fred', domain: null });
    expect(addressOfKey('fred+Lists@example.org')).toEqual({ localPart: 'fred+Lists', domain: 'example.org' });
    expect(addressOfKey('"a@b"@example.org')).toEqual({ localPart: '"a@b"', domain: 'example.org' });
    expect(addressOfKey('fred@')).toEqual({ localPart: 'fred', domain: null });
  });
});

describe('answers for the recipient decision\'s refusals', () => {
  const temp = { overQuotaPermanent: false };
  const perm = { overQuotaPermanent: true };

  it('refusals LMTP makes for good are NOTFOUND (the MTA refuses the recipient)', () => {
    for (const kind of ['NotFound', 'NoPerm', 'BadName'] as const) {
      expect(smmapReplyFor(new MailError(kind, 'no user fred'), temp)).toEqual({ reply: { status: 'NOTFOUND' }, internal: false });
    }
  });

  it('over quota is TEMP, PERM with lmtp_over_quota_perm_failure; a busy mailbox is TEMP', () => {
    expect(smmapReplyFor(new MailError('OverQuota', 'Over quota (STORAGE)'), temp).reply).toEqual({ status: 'TEMP', reason: 'Over quota' });
    expect(smmapReplyFor(new MailError('OverQuota', 'Over quota (STORAGE)'), perm).reply).toEqual({ status: 'PERM', reason: 'Over quota' });
    expect(smmapReplyFor(new MailError('InUse', 'locked'), perm).reply).toEqual({ status: 'TEMP', reason: 'Mailbox is busy' });
  });

  it('an internal error is TEMP without its text', () => {
    expect(smmapReplyFor(new Error('SQLITE_CORRUPT at /var/imap/x'), temp)).toEqual({ reply: { status: 'TEMP', reason: 'internal error' }, internal: true });
  });
});
