import type { OptionSpec } from '../types.js';

const area = 'authentication';

/**
 * The words `virtdomains` accepts and the setting each means: off, userid, on, and the switch
 * words of its older boolean form (the seed page's sample writes `virtdomains: yes`).
 */
// Every key is also in the option's `values` below (the table test of test/auth/virtdomains-config checks each).
export const VIRTDOMAINS_WORDS: Readonly<Record<string, 'off' | 'userid' | 'on'>> = {
  off: 'off',
  userid: 'userid',
  on: 'on',
  yes: 'on',
  true: 'on',
  '1': 'on',
  no: 'off',
  false: 'off',
  '0': 'off',
};

export const authOptions: OptionSpec[] = [
  { area, name: 'admins', type: 'stringlist', default: null, doc: 'Userids with administrator rights everywhere (domain admins as user@domain).' },
  { area, name: 'implicit_owner_rights', type: 'string', default: 'lkxan', doc: 'Rights a user has on its own mailboxes (user.NAME and below) on top of their ACLs (RFC 4314 letters).' },
  { area, name: 'defaultacl', type: 'string', default: 'anyone lrs', doc: 'ACL of a new top-level mailbox outside user.*: identifier and rights pairs separated by spaces.' },
  { area, name: 'proxyservers', type: 'stringlist', default: null, doc: 'Userids that may authenticate as themselves and act as another user (proxy login).' },
  { area, name: 'allowplaintext', type: 'switch', default: 'no', doc: 'Allow LOGIN and plaintext SASL mechanisms without TLS.' },
  { area, name: 'allowanonymouslogin', type: 'switch', default: 'no', doc: 'Allow the ANONYMOUS mechanism and LOGIN as "anonymous".' },
  { area, name: 'sasl_pwcheck_method', type: 'enum', default: 'auxprop', values: ['auxprop', 'saslauthd', 'alwaystrue'], doc: 'Where passwords are checked: our own store, a saslauthd daemon, or (tests only) accept anything.' },
  { area, name: 'sasl_saslauthd_path', type: 'path', default: '/var/run/saslauthd/mux', doc: 'UNIX socket of saslauthd for sasl_pwcheck_method: saslauthd.' },
  { area, name: 'sasl_mech_list', type: 'stringlist', default: null, doc: 'SASL mechanisms offered (default: every one the password store can serve).' },
  { area, name: 'sasl_auto_transition', type: 'switch', default: 'no', doc: 'Accepted for compatibility; the password store always keeps SCRAM secrets.' },
  { area, name: 'sasl_minimum_layer', type: 'int', default: '0', min: 0, doc: 'Minimum SASL security strength; above 1 only TLS sessions may authenticate.' },
  { area, name: 'username_tolower', type: 'switch', default: 'yes', doc: 'Lowercase userids when they log in or receive mail.' },
  { area, name: 'unixhierarchysep', type: 'switch', default: 'yes', doc: 'Use "/" as the hierarchy separator, so userids and mailbox names may contain dots.' },
  { area, name: 'altnamespace', type: 'switch', default: 'yes', doc: 'Show a user\'s folders beside INBOX instead of below it.' },
  { area, name: 'userprefix', type: 'string', default: 'Other Users', doc: 'In the alternate namespace, the prefix of other users\' folders.' },
  { area, name: 'sharedprefix', type: 'string', default: 'Shared Folders', doc: 'In the alternate namespace, the prefix of shared folders.' },
  { area, name: 'virtdomains', type: 'enum', default: 'off', values: ['off', 'userid', 'on', 'no', 'false', '0', 'yes', 'true', '1'], doc: 'Virtual domains: off; from the login (user@domain); or also from the local address\'s reverse lookup (yes/true/1 mean on, no/false/0 off).' },
  { area, name: 'defaultdomain', type: 'string', default: null, doc: 'The domain of unqualified users when virtdomains is on.' },
  { area, name: 'auth_groupfile', type: 'path', default: null, doc: 'Extra group file (in /etc/group format) for group: identifiers in ACLs.' },
  { area, name: 'auth_failure_delay', type: 'duration', default: '1s', unit: 's', min: 0, doc: 'Login penalty (as Dovecot\'s auth penalty): an attempt from an address (or on an account, past 3 failures) with recent failures waits this long before its password is checked, right or wrong, doubled per recent failure; counts halve every 10 minutes, a success forgives only that account\'s failures from that address, an abandoned attempt counts as a failure.' },
  { area, name: 'auth_failure_delay_max', type: 'duration', default: '30s', unit: 's', min: 0, doc: 'Upper bound of the doubling login penalty.' },
  { area, name: 'auth_check_concurrency', type: 'int', default: '2', min: 1, doc: 'Password checks (scrypt, saslauthd) one process runs at once; the others wait, served by client address in turn, addresses with recent failures last.' },
  { area, name: 'auth_check_per_address', type: 'int', default: '8', min: 1, doc: 'Login attempts one client address with recent failures may have in progress in one process (penalty wait, queue and check); more are refused at once (IMAP NO [UNAVAILABLE]). An address without failures (a webmail, a proxy) is not limited.' },
  { area, name: 'auth_passwd_db', type: 'path', default: '{configdirectory}/sasldb.sqlite', doc: 'Password store of sasl_pwcheck_method auxprop (SQLite; scrypt hashes and SCRAM keys, no clear passwords).' },
  { area, name: 'auth_cache_ttl', type: 'duration', default: '5m', unit: 's', min: 0, doc: 'How long a successful password check (sasl_pwcheck_method auxprop) is kept per process, as Dovecot\'s auth_cache: a hit needs the same password and an unchanged password record, failures are never kept; 0 disables.' },
  { area, name: 'auth_scrypt_cost', type: 'int', default: '16384', min: 2, doc: 'scrypt cost N (a power of two; r=8, p=1) of the password hashes the password store writes (saslpasswd): 16384 costs about 50 ms of CPU per LOGIN not answered by auth_cache_ttl. Each hash keeps the cost it was made with, so a change applies to passwords set afterwards.' },
  { area, name: 'auth_max_failures', type: 'int', default: '5', min: 1, doc: 'Failed logins on one connection after which it is closed.' },
];
