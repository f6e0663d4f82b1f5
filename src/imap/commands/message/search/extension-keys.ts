/**
 * Matchers for the SEARCH keys of WITHIN (RFC 5032: YOUNGER, OLDER) and OBJECTID (RFC 8474:
 * EMAILID, THREADID). An EMAILID is the message's guid as Cyrus forms it ("M" and the first 24 hex
 * digits of the SHA-1), so the same message has the same EMAILID in every mailbox; messages are
 * not grouped in conversations here, so no message has a THREADID and THREADID matches nothing.
 */
import type { SearchKey } from '../../../wire/parse/types.js';
import type { Candidate } from './match.js';

type Matcher = (m: Candidate) => boolean | null;

/** The EMAILID of a message with this guid (SHA-1 hex of its bytes). */
export function emailIdOf(guid: string): string {
  return `M${guid.slice(0, 24)}`;
}

export function compileExtensionKey(key: Extract<SearchKey, { kind: 'age' | 'objectId' }>, info: { needsRecord: boolean }): Matcher {
  if (key.kind === 'age') {
    // One instant for the whole command, so every message is judged against the same limit.
    const limit = Date.now() - key.seconds * 1000;
    return key.op === 'younger' ? (m) => m.internalDate >= limit : (m) => m.internalDate < limit;
  }
  if (key.field === 'threadId') return () => false;
  info.needsRecord = true;
  const wanted = key.id;
  return (m) => m.guid !== null && emailIdOf(m.guid) === wanted;
}
