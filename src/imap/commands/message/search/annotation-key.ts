/**
 * SEARCH ANNOTATION entry attribute value (RFC 5257 4.5): the messages one of whose annotations
 * the user can see (matching the entry pattern) holds `value` in the attribute, as a
 * case-insensitive substring. The keys are answered before the criteria are compiled: one read of
 * the view's annotations, each key becoming the UID set it matches.
 */
import type { Mailbox } from '../../../../mailbox/index.js';
import { entryMatches } from '../../../wire/parse/annotate.js';
import type { SearchKey } from '../../../wire/parse/types.js';

export function withAnnotationMatches(criteria: SearchKey, mailbox: Mailbox, view: ArrayLike<number>, userid: string): SearchKey {
  if (!usesAnnotations(criteria)) return criteria;
  const annotations = mailbox.annotations(Array.from(view), userid);
  const replace = (key: SearchKey): SearchKey => {
    switch (key.kind) {
      case 'annotation': {
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
      }
      case 'not':
        return { kind: 'not', key: replace(key.key) };
      case 'or':
        return { kind: 'or', left: replace(key.left), right: replace(key.right) };
      case 'and':
        return { kind: 'and', keys: key.keys.map(replace) };
      default:
        return key;
    }
  };
  return replace(criteria);
}

function usesAnnotations(key: SearchKey): boolean {
  switch (key.kind) {
    case 'annotation': return true;
    case 'not': return usesAnnotations(key.key);
    case 'or': return usesAnnotations(key.left) || usesAnnotations(key.right);
    case 'and': return key.keys.some(usesAnnotations);
    default: return false;
  }
}
