import type { OptionSpec } from '../types.js';

const area = 'mail store';

export const storeOptions: OptionSpec[] = [
  { area, name: 'hashimapspool', type: 'switch', default: 'no', doc: 'Spread mailbox directories over subdirectories named by a hash letter of the user or mailbox.' },
  { area, name: 'fulldirhash', type: 'switch', default: 'no', doc: 'With hashimapspool, hash on the whole name instead of its first letter.' },
  { area, name: 'expunge_mode', type: 'enum', default: 'delayed', values: ['default', 'immediate', 'semidelayed', 'delayed'], doc: 'immediate unlinks expunged message files at once; delayed keeps them until cyr_expire runs.' },
  { area, name: 'delete_mode', type: 'enum', default: 'delayed', values: ['immediate', 'delayed'], doc: 'delayed renames a deleted mailbox into the DELETED hierarchy instead of removing it.' },
  { area, name: 'deletedprefix', type: 'string', default: 'DELETED', doc: 'Top-level name under which delete_mode: delayed keeps deleted mailboxes.' },
  { area, name: 'search_engine', type: 'enum', default: 'none', values: ['none', 'squat', 'xapian'], doc: 'none: SEARCH BODY / TEXT read the message files. squat or xapian (Cyrus\'s names): messages appended from then on get their decoded header and body text in an SQLite FTS5 trigram index in cyrus.index, which answers BODY / TEXT of three characters or more; older messages are read from their files until `squatter` indexes them.' },
  { area, name: 'mailbox_maxmessages_user', type: 'int', default: '0', min: 0, doc: 'Most messages a user mailbox may hold (0: no limit).' },
  { area, name: 'maxmessagesize', type: 'bytesize', default: '0', min: 0, doc: 'Largest message accepted by APPEND and LMTP (0: no limit).' },
  { area, name: 'mailbox_initial_flags', type: 'stringlist', default: null, doc: 'Keywords every new mailbox lists in its PERMANENTFLAGS from the start.' },
  { area, name: 'sharedseen', type: 'switch', default: 'no', doc: 'Default for new mailboxes: keep \\Seen per mailbox instead of per user.' },
  { area, name: 'mboxlist_db', type: 'enum', default: 'sqlite', values: ['sqlite', 'twoskip', 'skiplist', 'flat'], doc: 'Accepted for compatibility; mailboxes.db is always SQLite here.' },
  { area, name: 'seenstate_db', type: 'enum', default: 'sqlite', values: ['sqlite', 'twoskip', 'skiplist', 'flat'], doc: 'Accepted for compatibility; seen state is always SQLite here.' },
  { area, name: 'subscription_db', type: 'enum', default: 'sqlite', values: ['sqlite', 'twoskip', 'skiplist', 'flat'], doc: 'Accepted for compatibility; subscriptions are always SQLite here.' },
  { area, name: 'duplicate_db', type: 'enum', default: 'sqlite', values: ['sqlite', 'twoskip', 'skiplist', 'flat'], doc: 'Accepted for compatibility; deliver.db is always SQLite here.' },
  { area, name: 'quota_db', type: 'enum', default: 'sqlite', values: ['sqlite', 'quotalegacy', 'twoskip', 'skiplist', 'flat'], doc: 'Accepted for compatibility; quotas.db is always SQLite here.' },
  { area, name: 'annotation_db', type: 'enum', default: 'sqlite', values: ['sqlite', 'twoskip', 'skiplist', 'flat'], doc: 'Accepted for compatibility; annotations.db is always SQLite here.' },
  { area, name: 'annotation_db_path', type: 'path', default: null, doc: 'The annotations database (METADATA); default {configdirectory}/annotations.db.' },
  { area, name: 'userdeny_db', type: 'enum', default: 'sqlite', values: ['sqlite', 'flat', 'skiplist', 'sql', 'twoskip', 'zeroskip'], doc: 'Accepted for compatibility; the deny list (cyr_deny) is always SQLite here.' },
  { area, name: 'userdeny_db_path', type: 'path', default: null, doc: 'The deny list that cyr_deny writes and every login reads; default {configdirectory}/user_deny.db.' },
  { area, name: 'annotation_allow_undefined', type: 'switch', default: 'no', doc: 'Let SETMETADATA store entries of any name under /shared and /private, not only the RFC 5464 and Cyrus entries the server knows.' },
  { area, name: 'annotation_maxsize', type: 'bytesize', default: '65536', min: 1, doc: 'Largest value one METADATA entry may hold, in bytes (SETMETADATA answers NO [METADATA MAXSIZE n] above it).' },
  { area, name: 'annotation_maxentries', type: 'int', default: '1000', min: 1, doc: 'Most METADATA entries one mailbox (or the server) may hold for its shared entries, and for each user\'s private ones (NO [METADATA TOOMANY] above it).' },
  { area, name: 'maxmailboxnamelength', type: 'int', default: '490', min: 16, doc: 'Longest mailbox name, in bytes of the internal name.' },
  { area, name: 'munge8bit', type: 'switch', default: 'yes', doc: 'At APPEND, header bytes that are neither ASCII nor UTF-8 (Latin-1 and the like) are stored as "X", as Cyrus does; UTF-8 is kept (RFC 6532). no: every header byte is kept as sent.' },
  { area, name: 'fsync_disabled', type: 'switch', default: 'no', doc: 'Skip fsync on append (fast, unsafe: an acknowledged message can be lost on power failure). Benchmarks only.' },
];
