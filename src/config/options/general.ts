import type { OptionSpec } from '../types.js';

const area = 'general';

export const generalOptions: OptionSpec[] = [
  { area, name: 'configdirectory', type: 'path', default: null, doc: 'Directory holding mailboxes.db, the other databases, proc/, log/ and the sockets. Required.' },
  { area, name: 'defaultpartition', type: 'string', default: null, doc: 'When set, new top-level mailboxes go to this partition and partition_select_mode is not used (as in Cyrus 3.6).' },
  { area, name: 'servername', type: 'string', default: null, doc: 'This server\'s name in greetings and referrals; defaults to the host name.' },
  { area, name: 'serverinfo', type: 'enum', default: 'on', values: ['off', 'min', 'on'], doc: 'How much of the server name and version the greeting shows.' },
  { area, name: 'loglevel', type: 'enum', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], doc: 'Minimum level of events written to the log (one JSON line per event).' },
  { area, name: 'syslog_prefix', type: 'string', default: null, doc: 'Name prefix put on every log line (the log is pino JSON on stderr, not syslog).' },
  { area, name: 'proc_path', type: 'path', default: '{configdirectory}/proc', doc: 'Directory where each session records what it is doing.' },
  { area, name: 'mboxname_lockpath', type: 'path', default: '{configdirectory}/lock', doc: 'Directory of the lock files for mailbox names.' },
  { area, name: 'idlesocket', type: 'path', default: '{configdirectory}/socket/idle', doc: 'UNIX socket of the change-notification relay that the master runs (the role of Cyrus\'s idled).' },
  { area, name: 'lmtpsocket', type: 'path', default: '{configdirectory}/socket/lmtp', doc: 'UNIX socket that the deliver tool uses to reach lmtpd.' },
  { area, name: 'notifysocket', type: 'path', default: '{configdirectory}/socket/notify', doc: 'UNIX socket of the notification daemon.' },
  { area, name: 'umask', type: 'string', default: '077', doc: 'File creation mask (octal) for every file the server writes.' },
  { area, name: 'master_pidfile', type: 'path', default: '{configdirectory}/master.pid', doc: 'Where the master writes its process id. The -p option of master overrides it.' },
  { area, name: 'master_shutdown_timeout', type: 'duration', default: '10s', unit: 's', min: 0, doc: 'On SIGTERM, how long the master lets sessions finish before it kills the workers.' },
  { area, name: 'master_restart_backoff', type: 'duration', default: '60s', unit: 's', min: 1, doc: 'Upper bound of the delay before a worker that keeps dying is started again.' },
  { area, name: 'tls_server_cert', type: 'path', default: null, doc: 'PEM file with the server certificate (and chain) for STARTTLS and the TLS listeners.' },
  { area, name: 'tls_server_key', type: 'path', default: null, doc: 'PEM file with the private key of tls_server_cert.' },
  { area, name: 'tls_client_ca_dir', type: 'path', default: null, doc: 'Directory of CA certificates for verifying client certificates.' },
  { area, name: 'tls_client_ca_file', type: 'path', default: null, doc: 'File of CA certificates for verifying client certificates.' },
  { area, name: 'tls_session_timeout', type: 'duration', default: '24h', unit: 'm', min: 0, doc: 'How long a TLS session may be resumed.' },
  { area, name: 'tls_versions', type: 'stringlist', default: 'tls1_2 tls1_3', doc: 'TLS protocol versions offered.' },
  { area, name: 'tls_ciphers', type: 'string', default: null, doc: 'OpenSSL cipher list for TLS 1.2 and older.' },
];
