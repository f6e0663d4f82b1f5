/**
 * Replace leaves of a SEARCH criteria tree before it is compiled (`$` of SEARCHRES, ANNOTATION
 * keys): `rewrite` is asked about every leaf and returns its replacement, or null to keep it. A tree
 * in which nothing was replaced comes back as the same object.
 */
import type { SearchKey } from '../../../wire/parse/types.js';

export function rewriteLeaves(criteria: SearchKey, rewrite: (leaf: SearchKey) => SearchKey | null): SearchKey {
  const walk = (key: SearchKey): SearchKey => {
    switch (key.kind) {
      case 'not': {
        const inner = walk(key.key);
        return inner === key.key ? key : { kind: 'not', key: inner };
      }
      case 'or': {
        const left = walk(key.left);
        const right = walk(key.right);
        return left === key.left && right === key.right ? key : { kind: 'or', left, right };
      }
      case 'and': {
        const keys = key.keys.map(walk);
        return keys.every((k, i) => k === key.keys[i]) ? key : { kind: 'and', keys };
      }
      default:
        return rewrite(key) ?? key;
    }
  };
  return walk(criteria);
}
