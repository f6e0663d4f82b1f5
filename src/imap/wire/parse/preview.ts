/** The PREVIEW fetch attribute (RFC 8970): `PREVIEW [SP "(" preview-mod *(SP preview-mod) ")"]`, LAZY the one modifier. */
import type { ArgumentCursor } from '../cursor.js';
import type { FetchItem } from './types.js';

/** After the word PREVIEW: its modifier list when one follows (a fetch-att never starts with "("). */
export function parsePreview(cursor: ArgumentCursor): FetchItem {
  const probe = cursor.clone();
  if (!probe.maybeSp() || probe.peek() !== '(') return { kind: 'preview', lazy: false };
  cursor.sp();
  let lazy = false;
  cursor.list(() => {
    const modifier = cursor.keyword('preview modifier');
    if (modifier !== 'LAZY') cursor.fail(`Unknown PREVIEW modifier ${modifier}`);
    lazy = true;
  }, false);
  return { kind: 'preview', lazy };
}
