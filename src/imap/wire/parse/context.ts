/** CANCELUPDATE (RFC 5267 4.3.5): `CANCELUPDATE 1*(SP quoted)`, the tags of updating searches. */
import type { ArgumentCursor } from '../cursor.js';
import type { Command } from './types.js';

export function parseCancelUpdate(cursor: ArgumentCursor): Extract<Command, { name: 'CANCELUPDATE' }> {
  const tags: string[] = [];
  do {
    cursor.sp();
    if (cursor.peek() !== '"') cursor.fail('CANCELUPDATE takes quoted tags');
    tags.push(cursor.quoted());
  } while (!cursor.atEnd());
  return { name: 'CANCELUPDATE', tags };
}
