/**
 * The cached ENVELOPE / BODYSTRUCTURE wire bytes of UID ranges (MessageReader.formBytes), kept per
 * process for the next FETCH 1:* (ENVELOPE) of the same big mailbox (issue 16: reading the forms of
 * 100,000 messages from SQLite was half of that FETCH's CPU time).
 *
 * Why no validation by modseq is needed: a message's forms never change (they are its header's,
 * rendered at append), and a range [first, last] is kept only when it was read in a transaction
 * whose uidnext was above `last`, so every message the range will ever hold was already there
 * (UIDs are given in commit order). An expunged message may stay in a kept range: FETCH asks only
 * for messages the snapshot still has. A row re-rendered by reconstruct (the same header, so the
 * same bytes) or added for a message cached before forms existed is seen when the range is dropped:
 * ranges unused for IDLE_MS go, and the whole cache stays under MAX_BYTES (least recently used first).
 */
import type { FormBytes } from './reader.js';

/** Bytes of forms a process keeps at most (a 100,000-message mailbox's ENVELOPEs are about 34 MB). */
const MAX_BYTES = 64 * 1024 * 1024;
/** A range not used for this long is dropped. */
const IDLE_MS = 30_000;

interface Kept {
  forms: FormBytes;
  bytes: number;
  usedAt: number;
}

/** By mailbox (index identity and uniqueid), forms asked for, and range; most recently used last. */
const kept = new Map<string, Kept>();
let total = 0;
let sweeper: NodeJS.Timeout | null = null;

function keyOf(mailbox: string, first: number, last: number, withBodyStructure: boolean): string {
  return `${mailbox}\u0000${withBodyStructure ? 'B' : 'E'}${first}:${last}`;
}

export function keptForms(mailbox: string, first: number, last: number, withBodyStructure: boolean): FormBytes | null {
  const key = keyOf(mailbox, first, last, withBodyStructure);
  const hit = kept.get(key);
  if (hit === undefined) return null;
  hit.usedAt = Date.now();
  kept.delete(key);
  kept.set(key, hit);
  return hit.forms;
}

/** Keep the forms of [first, last], read when uidnext was above `last` (see above; the caller checks). */
export function keepForms(mailbox: string, first: number, last: number, withBodyStructure: boolean, forms: FormBytes): void {
  const bytes = forms.envelopes.length + (forms.bodyStructures?.length ?? 0) + forms.uids.byteLength + forms.envelopeAt.byteLength + (forms.bodyStructureAt?.byteLength ?? 0);
  if (bytes > MAX_BYTES / 4) return;
  const key = keyOf(mailbox, first, last, withBodyStructure);
  const old = kept.get(key);
  if (old !== undefined) {
    total -= old.bytes;
    kept.delete(key);
  }
  kept.set(key, { forms, bytes, usedAt: Date.now() });
  total += bytes;
  for (const [k, v] of kept) {
    if (total <= MAX_BYTES) break;
    kept.delete(k);
    total -= v.bytes;
  }
  if (sweeper === null) {
    sweeper = setInterval(sweep, IDLE_MS / 2);
    sweeper.unref();
  }
}

function sweep(): void {
  const before = Date.now() - IDLE_MS;
  for (const [k, v] of kept) {
    if (v.usedAt >= before) continue;
    kept.delete(k);
    total -= v.bytes;
  }
  if (kept.size === 0 && sweeper !== null) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

/** Bytes kept (tests). */
export function keptFormBytes(): number {
  return total;
}

/** Drop everything (tests). */
export function dropKeptForms(): void {
  kept.clear();
  total = 0;
}
