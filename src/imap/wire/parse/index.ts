/**
 * One entry point from a framed command to typed arguments: `parseCommand(raw)`.
 * Unknown commands and syntax errors throw ParseError (the session answers BAD).
 */
import { ArgumentCursor, ParseError } from '../cursor.js';
import type { RawCommand } from '../reader.js';
import { parseFetch } from './fetch.js';
import { parseAppend, parseCreate, parseList, parseLsub, parseOneMailbox, parseRename, parseSelect, parseStatus } from './mailbox.js';
import { parseAclCommand } from './acl.js';
import { parseGetQuota, parseGetQuotaRoot, parseSetQuota } from './quota.js';
import { parseGetMetadata, parseSetMetadata } from './metadata.js';
import { parseCancelUpdate } from './context.js';
import { parseNotify } from './notify.js';
import { parseSearch } from './search.js';
import { parseGenUrlAuth, parseResetKey, parseUrlFetch } from './url-commands.js';
import { parseSort, parseThread } from './sort.js';
import { parseCopyMove, parseStore, parseUidExpunge } from './messages.js';
import { parseXfer, parseXferRecv } from './xfer.js';
import { parseAuthenticate, parseCompress, parseEnable, parseId, parseLogin, parseNoArguments } from './session.js';
import type { Command } from './types.js';

type Parser = (cursor: ArgumentCursor) => Command;

const byUidCommands: Record<string, (cursor: ArgumentCursor, byUid: boolean) => Command> = {
  FETCH: parseFetch,
  STORE: parseStore,
  SEARCH: parseSearch,
  SORT: parseSort,
  THREAD: parseThread,
  COPY: (cursor, byUid) => parseCopyMove(cursor, 'COPY', byUid),
  MOVE: (cursor, byUid) => parseCopyMove(cursor, 'MOVE', byUid),
  // Cyrus's name for MOVE from before RFC 6851, which Cyrus 3.6 still takes and advertises.
  XMOVE: (cursor, byUid) => parseCopyMove(cursor, 'MOVE', byUid),
};

function parseUid(cursor: ArgumentCursor): Command {
  cursor.sp();
  const sub = cursor.keyword('UID command');
  if (sub === 'EXPUNGE') return parseUidExpunge(cursor);
  const parse = byUidCommands[sub];
  if (!parse) cursor.fail(`Unknown UID command ${sub}`);
  return parse(cursor, true);
}

const PARSERS: Record<string, Parser> = {
  CAPABILITY: (c) => parseNoArguments(c, 'CAPABILITY'),
  NOOP: (c) => parseNoArguments(c, 'NOOP'),
  LOGOUT: (c) => parseNoArguments(c, 'LOGOUT'),
  STARTTLS: (c) => parseNoArguments(c, 'STARTTLS'),
  CHECK: (c) => parseNoArguments(c, 'CHECK'),
  CLOSE: (c) => parseNoArguments(c, 'CLOSE'),
  EXPUNGE: (c) => parseNoArguments(c, 'EXPUNGE'),
  IDLE: (c) => parseNoArguments(c, 'IDLE'),
  NAMESPACE: (c) => parseNoArguments(c, 'NAMESPACE'),
  UNSELECT: (c) => parseNoArguments(c, 'UNSELECT'),
  UNAUTHENTICATE: (c) => parseNoArguments(c, 'UNAUTHENTICATE'),
  LOGIN: parseLogin,
  AUTHENTICATE: parseAuthenticate,
  ENABLE: parseEnable,
  COMPRESS: parseCompress,
  ID: parseId,
  SELECT: (c) => parseSelect(c, 'SELECT'),
  EXAMINE: (c) => parseSelect(c, 'EXAMINE'),
  CREATE: parseCreate,
  DELETE: (c) => parseOneMailbox(c, 'DELETE'),
  SUBSCRIBE: (c) => parseOneMailbox(c, 'SUBSCRIBE'),
  UNSUBSCRIBE: (c) => parseOneMailbox(c, 'UNSUBSCRIBE'),
  RENAME: parseRename,
  XFER: parseXfer,
  XFERRECV: parseXferRecv,
  LIST: parseList,
  // Cyrus's XLIST: LIST's grammar and handler, answered with special-use attributes (commands/mailbox/list.ts).
  XLIST: (c) => ({ ...parseList(c), xlist: true }),
  LSUB: parseLsub,
  STATUS: parseStatus,
  APPEND: parseAppend,
  UID: parseUid,
  GETACL: (c) => parseAclCommand(c, 'GETACL'),
  MYRIGHTS: (c) => parseAclCommand(c, 'MYRIGHTS'),
  SETACL: (c) => parseAclCommand(c, 'SETACL'),
  DELETEACL: (c) => parseAclCommand(c, 'DELETEACL'),
  LISTRIGHTS: (c) => parseAclCommand(c, 'LISTRIGHTS'),
  GETQUOTA: parseGetQuota,
  GETQUOTAROOT: parseGetQuotaRoot,
  SETQUOTA: parseSetQuota,
  GETMETADATA: parseGetMetadata,
  SETMETADATA: parseSetMetadata,
  CANCELUPDATE: parseCancelUpdate,
  NOTIFY: parseNotify,
  GENURLAUTH: parseGenUrlAuth,
  RESETKEY: parseResetKey,
  URLFETCH: parseUrlFetch,
  ...Object.fromEntries(Object.entries(byUidCommands).map(([name, parse]) => [name, (c: ArgumentCursor) => parse(c, false)])),
};

/** Parse a framed command's arguments. Throws ParseError. */
export function parseCommand(raw: RawCommand): Command {
  const parse = PARSERS[raw.name];
  if (!parse) throw new ParseError(`Unrecognized command ${raw.name}`);
  return parse(new ArgumentCursor(raw.parts));
}

/** Parse a command from its argument text (after the name); for tests and tools. */
export function parseCommandText(name: string, args: string): Command {
  const parse = PARSERS[name.toUpperCase()];
  if (!parse) throw new ParseError(`Unrecognized command ${name}`);
  return parse(ArgumentCursor.fromText(args));
}

export type * from './types.js';
