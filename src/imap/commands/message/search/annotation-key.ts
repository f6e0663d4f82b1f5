/**
 * SEARCH ANNOTATION entry attribute value (RFC 5257 4.5): the messages one of whose annotations
 * the user can see (matching the entry pattern) holds `value` in the attribute, as a
 * case-insensitive substring. The keys are answered before the criteria are compiled: one read of
 * the view's annotations, each key becoming the UID set it matches.
 */
import type { AnnotationValues, Mailbox } from '../../../../mailbox/index.js';
import { entryMatches } from '../../../wire/parse/annotate.js';
import type { SearchKey } from '../../../wire/parse/types.js';
import { rewriteLeaves } from './rewrite.js';

export function withAnnotationMatches(criteria: SearchKey, mailbox: Mailbox, view: ArrayLike<number>, userid: string): SearchKey {
  // Read at the first ANNOTATION key, once for all of them.
  let annotations: Map<number, Map<string, AnnotationValues>> | null = null;
  return rewriteLeaves(criteria, (key) => {
    if (key.kind !== 'annotation') return null;
    annotations ??= mailbox.annotations(Array.from(view), userid);
    const needle = key.value.toLowerCase();
    const uids: number[] = [];
    for (const [uid, entries] of annotations) {
      const found = [...entries].some(([entry, values]) =>
        entryMatches(key.entry, entry) &&
        key.attributes.some((a) => {
          const value = a === 'value.priv' ? values.priv : values.shared;
          return value !== null && value.toLowerCase().includes(needle);
        }));
      if (found) uids.push(uid);
    }
    uids.sort((a, b) => a - b);
    // No match: a UID set no message has (UIDs start at 1).
    if (uids.length === 0) return { kind: 'not', key: { kind: 'all' } };
    return { kind: 'uid', set: { saved: false, ranges: uids.map((uid) => ({ first: uid, last: uid })) } };
  });
}
