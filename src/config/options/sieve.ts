import type { OptionSpec } from '../types.js';

const area = 'timsieved';

/**
 * Sieve scripts: where they are kept and what ManageSieve (timsieved) accepts. Names and defaults
 * are Cyrus 3.6's (imapd.conf(5)); sieve_extensions has no fixed list here: unset means every
 * extension the server's Sieve implementation supports.
 */
export const sieveOptions: OptionSpec[] = [
  { area, name: 'sievedir', type: 'path', default: '/usr/sieve', doc: 'Directory of the users\' Sieve scripts, laid out as Cyrus 3.6 keeps them: LETTER/USER/NAME.script (LETTER: the user\'s first letter, lower-cased, q for a non-letter), the active one named by the symlink defaultbc -> NAME.bc; user@domain under domain/LETTER/DOMAIN/LETTER/USER/.' },
  { area, name: 'sieve_maxscriptsize', type: 'int', default: '32', min: 0, doc: 'Largest Sieve script a user may upload, in KiB (PUTSCRIPT and HAVESPACE answer NO (QUOTA/MAXSIZE) above it).' },
  { area, name: 'sieve_maxscripts', type: 'int', default: '5', min: 0, doc: 'Most Sieve scripts one user may keep (NO (QUOTA/MAXSCRIPTS) for one more; replacing a script does not count).' },
  { area, name: 'sieve_extensions', type: 'stringlist', default: null, doc: 'Sieve extensions scripts may require, checked when a script is uploaded (unset: every one the server supports; names it does not support are ignored).' },
  { area, name: 'sieve_sasl_send_unsolicited_capability', type: 'switch', default: 'no', doc: 'Send the capabilities again after a successful AUTHENTICATE, before its OK (draft-martin-managesieve-12).' },
  { area, name: 'sieveusehomedir', type: 'switch', default: 'no', doc: 'Not supported: scripts are always kept under sievedir (yes is logged as a warning and ignored).' },
  { area, name: 'sendmail', type: 'path', default: '/usr/lib/sendmail', doc: 'The sendmail program Sieve runs to send redirects, rejections, vacation replies and notifications (sendmail -i -f SENDER -- RCPT; a redirect with DSN or deliver-by parameters by an SMTP dialogue with sendmail -bs).' },
  { area, name: 'addressbookprefix', type: 'string', default: '#addressbooks', doc: 'Name of the folder below a user\'s INBOX holding the user\'s address books (#addressbooks/Default, ...): the lists of Sieve\'s extlists (":addrbook:default"), each a mailbox of contacts whose body is a vCard.' },
  { area, name: 'postmaster', type: 'string', default: 'postmaster', doc: 'Username used as the From address of the rejection notices Sieve sends.' },
];
