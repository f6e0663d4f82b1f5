import type { OptionSpec } from '../types.js';

const area = 'murder';

/** Cyrus Murder: the mupdate server and client, and the proxies of a frontend. */
export const murderOptions: OptionSpec[] = [
  { area, name: 'mupdate_server', type: 'string', default: null, doc: 'Host of the Murder\'s mupdate master. Set on backends (they push their mailbox list there) and frontends (their mupdate slave mirrors it); unset: not in a Murder.' },
  { area, name: 'mupdate_port', type: 'int', default: '3905', min: 1, doc: 'Port of the mupdate master.' },
  { area, name: 'mupdate_username', type: 'string', default: '', doc: 'Authorization name (SASL authzid) when logging in to the mupdate master; empty: act as mupdate_authname.' },
  { area, name: 'mupdate_authname', type: 'string', default: null, doc: 'Authentication name when logging in to the mupdate master (an admin there).' },
  { area, name: 'mupdate_password', type: 'string', default: null, doc: 'Password of mupdate_authname.' },
  { area, name: 'mupdate_realm', type: 'string', default: null, doc: 'SASL realm for the mupdate login; appended to mupdate_authname as @realm when set.' },
  { area, name: 'mupdate_retry_delay', type: 'duration', default: '20s', unit: 's', min: 1, doc: 'Base delay before a lost connection to the mupdate master is tried again (doubled up to ten times that).' },
  { area, name: 'mupdate_config', type: 'enum', default: 'standard', values: ['standard', 'unified', 'replicated'], doc: 'Murder layout: standard (separate frontends and backends), unified (each server both) or replicated (backends sharing one spool).' },
  { area, name: 'mupdate_connections_max', type: 'int', default: '128', min: 1, doc: 'Connections one mupdate process serves; over it a new one gets a BYE.' },
  { area, name: 'proxy_authname', type: 'string', default: 'proxy', doc: 'Userid a frontend logs in as on a backend, acting for the user (it must be in the backend\'s proxyservers or admins).' },
  { area, name: 'proxy_password', type: 'string', default: null, doc: 'Password of proxy_authname on the backends; `<backend>_password` overrides it for one backend.' },
  { area, name: 'proxy_realm', type: 'string', default: null, doc: 'SASL realm for the backend login; appended to proxy_authname as @realm when set.' },
  { area, name: 'allowusermoves', type: 'switch', default: 'no', doc: 'Allow XFER of a user\'s INBOX, which moves the whole user (every mailbox of theirs on the backend, subscriptions, Sieve scripts) to another backend. Here it gates XFER only: a RENAME of a user is allowed without it.' },
  { area, name: 'allowallsubscribe', type: 'switch', default: 'no', doc: 'Allow subscribing to mailboxes that do not exist here (a Murder backend, whose users subscribe to other backends\' mailboxes).' },
  { area, name: 'murder_imap_port', type: 'int', default: null, min: 1, doc: 'Port a frontend reaches the backends\' IMAP on. Unset: the "imap" entry of /etc/services (143), as Cyrus reads it. Not a Cyrus option.' },
  { area, name: 'murder_pop3_port', type: 'int', default: null, min: 1, doc: 'Port a frontend reaches the backends\' POP3 on. Unset: "pop3" in /etc/services (110). Not a Cyrus option.' },
  { area, name: 'murder_tls', type: 'enum', default: 'optional', values: ['off', 'optional', 'required'], doc: 'TLS on the links this server opens to other servers of the Murder (backends, the mupdate master). optional: STARTTLS when the peer offers it and tls_server_ca_file or tls_server_ca_dir is set; required: every link must be TLS (a peer without STARTTLS, or whose certificate does not verify, is not used); off: never. Not a Cyrus option.' },
  { area, name: 'murder_lmtp_port', type: 'int', default: null, min: 1, doc: 'Port a frontend reaches the backends\' LMTP on. Unset: "lmtp" in /etc/services (24 on Debian; Cyrus\'s documentation registers 2003). Not a Cyrus option.' },
];
