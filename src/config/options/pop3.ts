import type { OptionSpec } from '../types.js';

const area = 'pop3d';

/** The words `uidl_format` accepts (Cyrus's four formats). */
const UIDL_FORMATS = ['uidonly', 'cyrus', 'dovecot', 'courier'];

export const pop3Options: OptionSpec[] = [
  { area, name: 'poptimeout', type: 'duration', default: '10m', unit: 'm', min: 0, doc: 'Inactivity autologout for POP3 sessions; a value under 10 minutes (RFC 1939\'s minimum) is raised to 10 with a warning, as Cyrus does.' },
  { area, name: 'popminpoll', type: 'duration', default: '0', unit: 'm', min: 0, doc: 'Minimum time between two POP3 logins to one maildrop (CAPA LOGIN-DELAY); remembered across processes and restarts. 0: no minimum.' },
  { area, name: 'poppollpadding', type: 'int', default: '1', min: 1, doc: 'Logins allowed in a burst before popminpoll applies; one slot comes back every popminpoll (1: no burst).' },
  { area, name: 'popexpiretime', type: 'duration', default: '-1', unit: 'd', doc: 'Days advertised by CAPA EXPIRE as the least a message may stay on the server (whole days; negative: NEVER). The server never deletes mail by itself.' },
  { area, name: 'popuseimapflags', type: 'switch', default: 'no', doc: 'POP3 obeys and sets IMAP flags: \\Deleted messages are hidden, retrieved messages get \\Seen at QUIT, \\Recent is cleared at login.' },
  { area, name: 'popuseacl', type: 'switch', default: 'no', doc: 'POP3 obeys the maildrop\'s ACL: r to log in and read, t to delete, s to set \\Seen (with popuseimapflags).' },
  { area, name: 'popsubfolders', type: 'switch', default: 'no', doc: 'A login as user+folder (user+folder@domain) opens that folder of the user instead of the INBOX.' },
  { area, name: 'poplockmaildrop', type: 'switch', default: 'no', doc: 'RFC 1939\'s exclusive maildrop lock: a second POP3 session on a maildrop gets -ERR [IN-USE], across every worker process (a dead holder\'s lock is taken over). Off by default, as Cyrus 3.6 and Dovecot let several sessions in.' },
  { area, name: 'uidl_format', type: 'enum', default: 'cyrus', values: [...UIDL_FORMATS], doc: 'POP3 UIDL form: uidonly (UID), cyrus (UIDVALIDITY.UID), dovecot (UID and UIDVALIDITY as 8 lower-case hex digits each), courier (UIDVALIDITY-UID).' },
];
