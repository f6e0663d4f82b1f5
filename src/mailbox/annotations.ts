/**
 * Per-message annotations (RFC 5257, ANNOTATE-EXPERIMENT-1), kept in the mailbox's own index
 * (message_annotations: uid, entry, userid, value; userid '' is the shared value, a user's id their
 * private one), as Cyrus keeps message annotations per mailbox. Mailbox.setAnnotations writes them
 * in one transaction with a new modseq; the expunge removes them with the record; COPY and MOVE
 * carry them through append (AppendItem.annotations).
 *
 * Entry names as RFC 5257 3.2 has them: "/" then components separated by "/", no empty component,
 * no trailing "/", no wildcard, printable US-ASCII. Writable entries: /comment, /altsubject and
 * /vendor/<vendor>/... but Cyrus's /vendor/cmu/...; /flags/... (and any other name) is reserved for the server.
 */
import { MailError } from '../common/errors.js';
import type { IndexStatements } from './index-db.js';

/** The largest value stored (bytes of UTF-8); larger: NO [ANNOTATE TOOBIG]. */
export const MAX_ANNOTATION_SIZE = 64 * 1024;
/** The most annotation values one message holds (shared and every user's private ones together); more: NO [ANNOTATE TOOMANY]. */
export const MAX_ANNOTATIONS_PER_MESSAGE = 100;
/** The longest entry name accepted. */
export const MAX_ENTRY_LENGTH = 1024;

/** One value to set or (value null) remove: shared, or the writing user's private one. */
export interface AnnotationWrite {
  entry: string;
  shared: boolean;
  value: string | null;
}

/** One entry of a message as a user sees it: the shared value and their private one (null: none). */
export interface AnnotationValues {
  shared: string | null;
  priv: string | null;
}

/** A stored value with its owner ('' shared), as COPY carries it to the new message. */
export interface StoredAnnotation {
  entry: string;
  userid: string;
  value: string;
}

/** Whether `entry` is a well-formed entry name (no wildcards). */
export function isEntryName(entry: string): boolean {
  return entry.length <= MAX_ENTRY_LENGTH && /^(\/[\x21-\x24\x26-\x29\x2b-\x2e\x30-\x7e]+)+$/.test(entry);
}

/** Whether a client may write `entry` (a well-formed name the server does not reserve). */
export function isWritableEntry(entry: string): boolean {
  if (!isEntryName(entry)) return false;
  const lower = entry.toLowerCase();
  // /vendor/cmu/ is Cyrus's own (as Cyrus 3.6 refuses it to clients).
  return lower === '/comment' || lower === '/altsubject' || (/^\/vendor\/[^/]+/.test(lower) && !lower.startsWith('/vendor/cmu/'));
}

/** The entries every message has, answered (NIL when unset) when a FETCH wildcard matches them. */
export const KNOWN_ENTRIES: readonly string[] = ['/comment', '/altsubject'];

/** The annotations `userid` sees on the messages of a UID range (shared and their private ones), by uid then entry. */
export function readAnnotations(s: IndexStatements, first: number, last: number, userid: string): Map<number, Map<string, AnnotationValues>> {
  const out = new Map<number, Map<string, AnnotationValues>>();
  for (const [uid, entry, owner, value] of s.annotationsRange.all(first, last, userid)) {
    let entries = out.get(uid);
    if (entries === undefined) out.set(uid, (entries = new Map()));
    let values = entries.get(entry);
    if (values === undefined) entries.set(entry, (values = { shared: null, priv: null }));
    if (owner === '') values.shared = value;
    else values.priv = value;
  }
  return out;
}

/** Refuse what may not be written, before any change: bad names, reserved entries, values too large. */
export function checkWrites(writes: readonly AnnotationWrite[]): void {
  for (const w of writes) {
    if (!isEntryName(w.entry)) throw new MailError('Invalid', `invalid annotation entry ${JSON.stringify(w.entry.slice(0, 64))}`);
    if (!isWritableEntry(w.entry)) throw new MailError('NoPerm', `annotation entry ${w.entry} is reserved`);
    if (w.value !== null && Buffer.byteLength(w.value, 'utf8') > MAX_ANNOTATION_SIZE) {
      throw new MailError('Limit', 'Annotation value too large', { responseCode: 'ANNOTATE TOOBIG', limit: MAX_ANNOTATION_SIZE });
    }
  }
}

/**
 * Apply the writes to one message inside the caller's write transaction; true when a value
 * changed. Throws Limit (ANNOTATE TOOMANY) when the message would hold too many values, which
 * rolls back the whole transaction.
 */
export function applyWrites(s: IndexStatements, uid: number, writes: readonly AnnotationWrite[], userid: string): boolean {
  let changed = false;
  for (const w of writes) {
    const owner = w.shared ? '' : userid;
    const old = s.annotation.get(uid, w.entry, owner);
    if (w.value === null) {
      if (old === undefined) continue;
      s.deleteAnnotation.run(uid, w.entry, owner);
    } else {
      if (old === w.value) continue;
      s.putAnnotation.run(uid, w.entry, owner, w.value);
    }
    changed = true;
  }
  if (changed && s.countAnnotations.get(uid)! > MAX_ANNOTATIONS_PER_MESSAGE) {
    throw new MailError('Limit', 'Too many annotations', { responseCode: 'ANNOTATE TOOMANY', limit: MAX_ANNOTATIONS_PER_MESSAGE });
  }
  return changed;
}
