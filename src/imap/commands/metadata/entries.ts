/**
 * The METADATA entries the server knows (Cyrus 3.6's set, where we can keep its meaning): the RFC
 * 5464 ones and Cyrus's /vendor/cmu/cyrus-imapd/ ones that cyradm's `info` and `mboxcfg` use.
 * `stored` entries keep whatever valid value is set (cyr_expire acts on a mailbox's expire, LMTP
 * on duplicatedeliver, POP3 on pop3showafter, squatter -a on squat; the server does not act on the other vendor ones
 * yet); `computed` ones are read-only facts of the mailbox; `specialUse` is the mailbox's
 * SPECIAL-USE attributes (the same data LIST and CREATE ... USE see); `file` ones are the server's
 * msg/motd and msg/shutdown files. Other names exist only when
 * annotation_allow_undefined is on (plain text, written as /shared/comment is).
 */
import type { ServerMessage } from '../../../common/index.js';
import { parseImapDateTime, sentTime } from '../../../message/index.js';
import { VENDOR_ENTRY } from '../../../store/index.js';
import { formatDateTime } from '../../wire/datetime.js';

export type EntrySource = 'stored' | 'computed' | 'specialUse' | 'file';
export type ValueKind = 'text' | 'int' | 'boolean' | 'datetime';

export interface EntryDefinition {
  /** Below /shared or /private, lower-cased: "/comment". */
  readonly path: string;
  readonly on: 'mailbox' | 'server';
  readonly scopes: ReadonlyArray<'shared' | 'private'>;
  readonly source: EntrySource;
  readonly kind: ValueKind;
  /** A shared value needs the `a` right to write (Cyrus's vendor entries), not `w`. */
  readonly adminWrite: boolean;
  /** source 'file': which file of {configdirectory}/msg/ the entry is. */
  readonly file?: ServerMessage;
}

const VENDOR = '/vendor/cmu/cyrus-imapd';

function define(on: EntryDefinition['on'], path: string, scopes: EntryDefinition['scopes'], source: EntrySource, kind: ValueKind = 'text'): EntryDefinition {
  return { path, on, scopes, source, kind, adminWrite: path.startsWith(VENDOR) };
}

const BOTH = ['shared', 'private'] as const;
const SHARED = ['shared'] as const;

export const ENTRY_DEFINITIONS: readonly EntryDefinition[] = [
  define('mailbox', '/comment', BOTH, 'stored'),
  define('mailbox', '/specialuse', ['private'], 'specialUse'),
  define('mailbox', VENDOR_ENTRY.expire, SHARED, 'stored', 'int'),
  define('mailbox', `${VENDOR}/news2mail`, SHARED, 'stored'),
  define('mailbox', `${VENDOR}/sieve`, SHARED, 'stored'),
  define('mailbox', `${VENDOR}/squat`, SHARED, 'stored', 'boolean'),
  define('mailbox', VENDOR_ENTRY.pop3ShowAfter, SHARED, 'stored', 'datetime'),
  define('mailbox', VENDOR_ENTRY.duplicateDeliver, SHARED, 'stored', 'boolean'),
  define('mailbox', `${VENDOR}/partition`, SHARED, 'computed'),
  define('mailbox', `${VENDOR}/uniqueid`, SHARED, 'computed'),
  define('mailbox', `${VENDOR}/size`, SHARED, 'computed'),
  // Read-only here: Cyrus lets an administrator switch it, which would move the mailbox's \Seen state.
  define('mailbox', `${VENDOR}/sharedseen`, SHARED, 'computed'),
  define('server', '/comment', BOTH, 'stored'),
  define('server', '/admin', BOTH, 'stored'),
  // msg/motd and msg/shutdown themselves, as in Cyrus: the ALERT after each login, and the reason
  // new connections are refused and sessions end while the shutdown file exists.
  { ...define('server', '/motd', SHARED, 'file'), file: 'motd' },
  { ...define('server', `${VENDOR}/shutdown`, SHARED, 'file'), file: 'shutdown' },
  define('server', `${VENDOR}/expire`, SHARED, 'stored', 'int'),
  define('server', `${VENDOR}/squat`, SHARED, 'stored', 'boolean'),
];

/** The definition of `/scope + path` on a mailbox or the server; undefined for an unknown entry. */
export function definitionOf(on: EntryDefinition['on'], scope: 'shared' | 'private', path: string): EntryDefinition | undefined {
  return ENTRY_DEFINITIONS.find((d) => d.on === on && d.path === path && d.scopes.includes(scope));
}

/** The value as stored for `kind`, or null when it is not one (Cyrus: "Invalid annotation value"). */
export function checkedValue(kind: ValueKind, value: Buffer): Buffer | null {
  if (kind === 'text') return value;
  const text = value.toString('latin1');
  if (kind === 'int') return /^[0-9]{1,10}$/.test(text) ? Buffer.from(String(Number(text))) : null;
  if (kind === 'datetime') {
    // An IMAP date-time or an RFC 5322 date, kept as the IMAP date-time in UTC, as Cyrus keeps it.
    const time = parseImapDateTime(text.trim())?.getTime() ?? (/^\s*(?:[a-z]{3},\s*)?\d{1,2}\s+[a-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}/i.test(text) ? sentTime(text) : null);
    return time === null || Number.isNaN(time) ? null : Buffer.from(formatDateTime(new Date(time), 0).slice(1, -1));
  }
  const lower = text.toLowerCase();
  return lower === 'true' || lower === 'false' ? Buffer.from(lower) : null;
}
