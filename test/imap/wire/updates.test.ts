import { describe, expect, test } from 'vitest';
import { renderUpdate, type MailboxUpdate } from '../../../src/imap/session/updates.js';
import { continuation, tagged, untaggedStatus } from '../../../src/imap/wire/serialize/response.js';
import { enabledResponse, fetchFlagsResponse, idResponse, namespaceResponse } from '../../../src/imap/wire/serialize/lists.js';
import { responseText } from '../../../src/imap/wire/serialize/strings.js';

const NONE = new Set<string>();

describe('mailbox updates render as untagged responses', () => {
  test.each<[MailboxUpdate, string]>([
    [{ kind: 'exists', count: 3 }, '* 3 EXISTS\r\n'],
    [{ kind: 'recent', count: 0 }, '* 0 RECENT\r\n'],
    [{ kind: 'expunge', seq: 2, uid: 17 }, '* 2 EXPUNGE\r\n'],
    [{ kind: 'flagChange', seq: 4, uid: 9, flags: ['\\Seen', '$Label'], modseq: 12 }, '* 4 FETCH (UID 9 FLAGS (\\Seen $Label))\r\n'],
    [
      { kind: 'flags', keywords: ['$Label'], readOnly: false },
      '* FLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen $Label)\r\n' +
        '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen $Label \\*)] Ok\r\n',
    ],
    [{ kind: 'flags', keywords: [], readOnly: true }, '* FLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen)\r\n* OK [PERMANENTFLAGS ()] Ok\r\n'],
    [{ kind: 'gone' }, ''],
  ])('%j', (update, expected) => {
    expect(renderUpdate(update, NONE)).toBe(expected);
  });

  test('a flag change carries MODSEQ once CONDSTORE or QRESYNC is enabled', () => {
    const update: MailboxUpdate = { kind: 'flagChange', seq: 1, uid: 5, flags: [], modseq: 42 };
    expect(renderUpdate(update, new Set(['CONDSTORE']))).toBe('* 1 FETCH (UID 5 FLAGS () MODSEQ (42))\r\n');
    expect(renderUpdate(update, new Set(['QRESYNC']))).toBe('* 1 FETCH (UID 5 FLAGS () MODSEQ (42))\r\n');
    expect(renderUpdate(update, new Set(['UTF8=ACCEPT']))).toBe('* 1 FETCH (UID 5 FLAGS ())\r\n');
  });
});

describe('data responses', () => {
  test('FETCH flags, ENABLED, ID, NAMESPACE', () => {
    expect(fetchFlagsResponse(1, 7, ['\\Deleted'])).toBe('* 1 FETCH (UID 7 FLAGS (\\Deleted))\r\n');
    expect(enabledResponse([])).toBe('* ENABLED\r\n');
    expect(enabledResponse(['CONDSTORE', 'QRESYNC'])).toBe('* ENABLED CONDSTORE QRESYNC\r\n');
    expect(idResponse(null)).toBe('* ID NIL\r\n');
    expect(idResponse([['name', 'cyrusts'], ['version', '1.2.3']])).toBe('* ID ("name" "cyrusts" "version" "1.2.3")\r\n');
    expect(namespaceResponse([{ prefix: 'INBOX.', delimiter: '.' }], [], [{ prefix: '', delimiter: '.' }])).toBe(
      '* NAMESPACE (("INBOX." ".")) NIL (("" "."))\r\n',
    );
  });
});

describe('response text is sanitised in one place', () => {
  test('CR, LF, NUL and other controls never reach the wire', () => {
    expect(responseText('two\r\nlines')).toBe('two lines');
    expect(responseText('a\x00b\x07c\x7fd\te')).toBe('a b c d e');
    expect(responseText('plain text')).toBe('plain text');
    expect(tagged('a1', 'NO', null, 'bad\r\na2 OK injected')).toBe('a1 NO bad a2 OK injected\r\n');
    expect(untaggedStatus('OK', 'ALERT', 'line one\nline two\x00')).toBe('* OK [ALERT] line one line two \r\n');
    expect(untaggedStatus('BYE', null, 'LOGOUT received')).toBe('* BYE LOGOUT received\r\n');
    expect(continuation('idling')).toBe('+ idling\r\n');
  });
});
