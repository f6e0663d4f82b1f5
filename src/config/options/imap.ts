import type { OptionSpec } from '../types.js';

const area = 'imapd';

export const imapOptions: OptionSpec[] = [
  { area, name: 'timeout', type: 'duration', default: '32m', unit: 'm', min: 0, doc: 'Inactivity autologout for IMAP sessions; a value under 30 minutes (RFC 3501\'s minimum) is raised to 30 with a warning, as Cyrus does.' },
  { area, name: 'imapidletimeout', type: 'duration', default: null, unit: 'm', min: 0, doc: 'Inactivity autologout while in IDLE (default: the same as timeout).' },
  { area, name: 'maxliteral', type: 'bytesize', default: '0', min: 0, doc: 'Largest literal in a command other than APPEND (0: the same as maxmessagesize or 64M).' },
  { area, name: 'maxlinelength', type: 'bytesize', default: '64K', min: 1024, doc: 'Longest command line between literals.' },
  { area, name: 'maxargssize', type: 'bytesize', default: '0', min: 0, doc: 'Most bytes of arguments in one command, literals included (0: the largest literal plus one line; before login at most 16K and 8 literals).' },
  { area, name: 'literalminus', type: 'switch', default: 'no', doc: 'Advertise LITERAL- instead of LITERAL+: non-synchronising literals only up to 4096 bytes (RFC 7888).' },
  { area, name: 'plaintextloginalert', type: 'string', default: null, doc: 'Text sent as an ALERT after a successful plaintext login (LOGIN, AUTHENTICATE PLAIN or LOGIN) without TLS.' },
  { area, name: 'submitservers', type: 'stringlist', default: null, doc: 'Users (and group:NAME entries) that may redeem URLAUTH URLs issued for "submit+user" (RFC 4467), such as the submission server\'s login.' },
  { area, name: 'imapmagicplus', type: 'switch', default: 'no', doc: 'Accept user+detail logins that select INBOX.detail.' },
  { area, name: 'imap_max_bad_commands', type: 'int', default: '25', min: 1, doc: 'Bad commands after which the session is closed with BYE.' },
  { area, name: 'imap_max_unauth_commands', type: 'int', default: '50', min: 1, doc: 'Commands allowed before authentication before the session is closed with BYE.' },
  { area, name: 'search_maxcriteria', type: 'int', default: '1000', min: 1, doc: 'Most keys in one SEARCH; more is refused with NO [LIMIT].' },
  { area, name: 'search_budget', type: 'int', default: '2000000', min: 1, doc: 'Most key tests (keys × messages, BODY/TEXT counting 10) one SEARCH may make; more is refused with NO [LIMIT] before any work.' },
  { area, name: 'specialusealways', type: 'switch', default: 'yes', doc: 'Show SPECIAL-USE attributes in every LIST response, not only when asked.' },
  { area, name: 'specialuse_extra', type: 'stringlist', default: null, doc: 'Extra special-use attributes users may set beyond RFC 6154\'s.' },
  { area, name: 'autocreate_inbox_folders', type: 'stringlist', default: null, doc: 'Folders created under a new INBOX (separated by "|" in Cyrus; spaces here too).' },
  { area, name: 'autocreate_subscribe_folders', type: 'stringlist', default: null, doc: 'Which of autocreate_inbox_folders the user is subscribed to when they are created (the INBOX always is).' },
  { area, name: 'autocreate_quota', type: 'int', default: '-1', doc: 'Storage quota (KiB) of automatically created INBOXes (-1: none).' },
  { area, name: 'autocreate_sieve_script', type: 'path', default: null, doc: 'A Sieve script file installed, and made active, as a new user\'s script when the INBOX is created (named after the file, without .script or .sieve); not when the user already has scripts.' },
];
