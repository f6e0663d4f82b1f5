/** The CAPABILITY list, which depends on the session's state and transport. */
import type { ConnectionContext } from '../auth/index.js';
import type { ImapDeps } from './deps.js';
import type { StateKind } from './session/state.js';

const ALWAYS = [
  'IMAP4rev1', 'ID', 'ENABLE', 'IDLE', 'NAMESPACE', 'UIDPLUS', 'MOVE', 'UNSELECT', 'CHILDREN',
  'SPECIAL-USE', 'CREATE-SPECIAL-USE', 'LIST-EXTENDED', 'LIST-STATUS', 'ESEARCH', 'SASL-IR', 'MULTIAPPEND',
  'STATUS=SIZE', 'BINARY', 'ACL', 'RIGHTS=kxten', 'LIST-MYRIGHTS',
  // RFC 7162 (src/imap/commands/resync.ts, wire/parse/condstore.ts).
  'CONDSTORE', 'QRESYNC',
  // RFC 5256 / 5957 / 5267 (src/imap/commands/message/sort.ts, thread.ts).
  'SORT', 'SORT=DISPLAY', 'ESORT', 'THREAD=ORDEREDSUBJECT', 'THREAD=REFERENCES', 'THREAD=REFS',
  // Cyrus's own SORT keys UID and MODSEQ (wire/parse/sort.ts; sorted over the index columns).
  'SORT=MODSEQ', 'SORT=UID',
  // Gmail's and Apple's LIST with special uses, which Cyrus 3.6 still answers (commands/mailbox/list.ts);
  // Cyrus's XMOVE, MOVE under its name from before RFC 6851 (wire/parse/index.ts).
  'XLIST', 'XMOVE',
  // RFC 5267 updating searches, RFC 9394 PARTIAL (commands/message/context.ts, partial.ts).
  'CONTEXT=SEARCH', 'CONTEXT=SORT', 'PARTIAL',
  // RFC 5465 (commands/notify.ts, notify-deliver.ts).
  'NOTIFY',
  // RFC 8437 (commands/unauthenticate.ts), RFC 8514, RFC 8474 (no THREADID: always NIL), RFC 8970, RFC 5032.
  'UNAUTHENTICATE', 'SAVEDATE', 'OBJECTID', 'PREVIEW', 'WITHIN',
  // Cyrus's FETCH DIGEST.SHA1: the message GUID kept in every index record.
  'DIGEST=SHA1',
  // RFC 5257 per-message annotations, as Cyrus 3.6 names it (mailbox/annotations.ts; FETCH, STORE, SEARCH, APPEND).
  'ANNOTATE-EXPERIMENT-1',
  // RFC 5182 (commands/message/saved-result.ts).
  'SEARCHRES',
  // RFC 4469 / 4467 / 5524 (commands/catenate.ts, commands/urlauth/).
  'CATENATE', 'URLAUTH', 'URLAUTH=BINARY',
  // RFC 9208 (no ANNOTATION-STORAGE: METADATA's annotations are not charged to a quota).
  'QUOTA', 'QUOTA=RES-STORAGE', 'QUOTA=RES-MESSAGE', 'QUOTA=RES-MAILBOX', 'QUOTASET',
  // RFC 5464 (commands/metadata/). Before login too: Cyrus 3.6's CAPABILITY lists METADATA then, and
  // cyradm decides from the CAPABILITY it sends before authenticating. METADATA implies
  // METADATA-SERVER; listed too for clients that look for it alone.
  'METADATA', 'METADATA-SERVER',
  // RFC 9590: LIST ... RETURN (METADATA (entries)), read as GETMETADATA reads (commands/mailbox/list.ts).
  'LIST-METADATA',
];

interface CapabilityContext {
  state: StateKind;
  tls: boolean;
  /** COMPRESS is active: not offered again (as Cyrus 3.6), and no STARTTLS over it. */
  compressed: boolean;
  connection: ConnectionContext;
}

export function capabilities(deps: ImapDeps, ctx: CapabilityContext): string[] {
  const literal = deps.limits.literalPlus === 'minus' ? 'LITERAL-' : 'LITERAL+';
  const list = [...ALWAYS, literal, `APPENDLIMIT=${deps.limits.maxMessageSize}`];
  // RFC 4978. Listed before login too, as Cyrus 3.6 does, though the command needs a login.
  if (!ctx.compressed) list.push('COMPRESS=DEFLATE');
  if (ctx.state === 'notAuthenticated') {
    if (deps.tlsContext && !ctx.tls && !ctx.compressed) list.push('STARTTLS');
    if (!deps.auth.plaintextAllowed(ctx.connection)) list.push('LOGINDISABLED');
    for (const mech of deps.auth.mechanisms(ctx.connection)) list.push(`AUTH=${mech}`);
  }
  return list;
}
