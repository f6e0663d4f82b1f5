/**
 * FETCH ANNOTATION (RFC 5257 4.3): for each entry asked (a name, or a pattern with `*` / `%`
 * matching the message's entries and the ones every message has), the attributes asked, as Cyrus
 * answers them: a value or NIL, a size as a quoted number ("0" when there is no value).
 */
import { KNOWN_ENTRIES, type AnnotationValues } from '../../../../mailbox/index.js';
import { entryMatches } from '../../../wire/parse/annotate.js';
import type { FetchItem } from '../../../wire/parse/types.js';
import { annotationString, type FetchResponse } from '../../../wire/serialize/fetch.js';

type AnnotationItem = Extract<FetchItem, { kind: 'annotation' }>;

export function wantsAnnotations(items: readonly FetchItem[]): boolean {
  return items.some((item) => item.kind === 'annotation');
}

export function renderAnnotation(response: FetchResponse, item: AnnotationItem, values: ReadonlyMap<string, AnnotationValues> | undefined): void {
  const entries: string[] = [];
  const named = new Set<string>();
  const add = (entry: string): void => {
    const key = entry.toLowerCase();
    if (named.has(key)) return;
    named.add(key);
    entries.push(entry);
  };
  for (const pattern of item.entries) {
    if (!pattern.includes('*') && !pattern.includes('%')) {
      add(pattern);
      continue;
    }
    for (const entry of KNOWN_ENTRIES) if (entryMatches(pattern, entry)) add(entry);
    if (values !== undefined) for (const entry of [...values.keys()].sort()) if (entryMatches(pattern, entry)) add(entry);
  }
  const parts: string[] = [];
  for (const entry of entries) {
    // Stored names are lower-cased (parse/annotate.ts).
    const v = values?.get(entry.toLowerCase());
    const attrs = item.attributes.map((a) => {
      const value = a.endsWith('.priv') ? v?.priv ?? null : v?.shared ?? null;
      if (a.startsWith('value.')) return `${a} ${annotationString(value)}`;
      return `${a} "${value === null ? 0 : Buffer.byteLength(value, 'utf8')}"`;
    });
    // An atom when it can be one (as Cyrus answers: /comment), else a string.
    parts.push(`${/^[\x21-\x7e]+$/.test(entry) && !/[(){%*"\\\]]/.test(entry) ? entry : annotationString(entry)} (${attrs.join(' ')})`);
  }
  response.annotation(`(${parts.join(' ')})`);
}
