/**
 * The QUOTA commands of RFC 9208: GETQUOTA quota-root, GETQUOTAROOT mailbox,
 * SETQUOTA quota-root (resource limit ...). Resource names are returned upper-cased as sent;
 * which ones exist is the handler's business.
 */
import type { ArgumentCursor } from '../cursor.js';
import { mailbox } from './mailbox.js';
import type { Command, QuotaSetting } from './types.js';

type Of<N extends Command['name']> = Extract<Command, { name: N }>;

/** number64 (RFC 9051): up to 2^63-1; here up to what a JS number holds exactly. */
const MAX_LIMIT = Number.MAX_SAFE_INTEGER;

export function parseGetQuota(cursor: ArgumentCursor): Of<'GETQUOTA'> {
  cursor.sp();
  const root = cursor.astring('quota root');
  cursor.end();
  return { name: 'GETQUOTA', root };
}

export function parseGetQuotaRoot(cursor: ArgumentCursor): Of<'GETQUOTAROOT'> {
  cursor.sp();
  const box = mailbox(cursor);
  cursor.end();
  return { name: 'GETQUOTAROOT', mailbox: box };
}

export function parseSetQuota(cursor: ArgumentCursor): Of<'SETQUOTA'> {
  cursor.sp();
  const root = cursor.astring('quota root');
  cursor.sp();
  const limits = cursor.list((): QuotaSetting => {
    const resource = cursor.keyword('resource name');
    cursor.sp();
    return { resource, limit: cursor.number('resource limit', MAX_LIMIT) };
  });
  cursor.end();
  return { name: 'SETQUOTA', root, limits };
}
