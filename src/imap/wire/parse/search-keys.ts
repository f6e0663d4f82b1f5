/**
 * SEARCH keys of later extensions: YOUNGER / OLDER (WITHIN, RFC 5032), EMAILID / THREADID
 * (OBJECTID, RFC 8474) and SAVEDATESUPPORTED (SAVEDATE, RFC 8514; SAVEDBEFORE / SAVEDON /
 * SAVEDSINCE are date keys, parsed with the others in search.ts).
 */
import type { ArgumentCursor } from '../cursor.js';
import type { SearchKey } from './types.js';

/** RFC 8474 objectid: 1 to 255 of ALPHA / DIGIT / "_" / "-". */
const OBJECT_ID = /^[A-Za-z0-9_-]{1,255}$/;

/** The key named `word` (already read, upper-cased), its argument after SP. */
export function parseExtensionKey(cursor: ArgumentCursor, word: 'YOUNGER' | 'OLDER' | 'EMAILID' | 'THREADID' | 'SAVEDATESUPPORTED'): SearchKey {
  switch (word) {
    case 'YOUNGER':
    case 'OLDER':
      cursor.sp();
      return { kind: 'age', op: word === 'YOUNGER' ? 'younger' : 'older', seconds: cursor.nzNumber('interval in seconds') };
    case 'EMAILID':
    case 'THREADID': {
      cursor.sp();
      const id = cursor.atom('object id');
      if (!OBJECT_ID.test(id)) cursor.fail(`Invalid ${word} ${id}`);
      return { kind: 'objectId', field: word === 'EMAILID' ? 'emailId' : 'threadId', id };
    }
    case 'SAVEDATESUPPORTED':
      // Every mailbox here keeps save dates: the key matches every message.
      return { kind: 'all' };
  }
}
