import type { OptionSpec } from '../types.js';

const area = 'quota';

/** Quotas (names and defaults as Cyrus 3.6's imapd.conf(5); lmtp_*_quota are with lmtpd's, autocreate_quota with imapd's). */
export const quotaOptions: OptionSpec[] = [
  { area, name: 'quota_db_path', type: 'path', default: null, doc: 'Where quotas.db lives (default: configdirectory/quotas.db).' },
  { area, name: 'quotawarn', type: 'int', default: '90', min: 0, doc: 'Percent of a quota limit at or above which SELECT warns with an ALERT (users with deletion rights only).' },
  { area, name: 'quotawarnkb', type: 'int', default: '0', min: 0, doc: 'Warn about STORAGE only when at most this many KiB are left (0, or a limit below it: always warn past quotawarn).' },
  { area, name: 'quotawarnmsg', type: 'int', default: '0', min: 0, doc: 'Warn about MESSAGE only when at most this many messages are left (0, or a limit below it: always warn past quotawarn).' },
  { area, name: 'autocreate_quota_messages', type: 'int', default: '-1', doc: 'MESSAGE limit of automatically created INBOXes (-1: none; 0: unlimited).' },
];
