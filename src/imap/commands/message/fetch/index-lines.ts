/**
 * FETCH of index items only (UID, FLAGS, MODSEQ, INTERNALDATE, RFC822.SIZE), the form clients use
 * to resynchronise flags (`UID FETCH 1:* (UID FLAGS)`): each response line is written straight
 * into a Buffer from the snapshot columns, numbers as digits and the flag list of the messages
 * without keywords as bytes rendered once per combination of system flags, so a line makes no
 * object and no string (issue 16: on 100,000 messages the general path's per-message response
 * objects and strings cost more than the lines themselves).
 */
import { LoopSlices } from '../../../../common/index.js';
import { encodeHeaderText } from '../../../../message/index.js';
import type { SelectedMailbox } from '../../../session/selected.js';
import { formatDateTime } from '../../../wire/datetime.js';
import type { FetchItem } from '../../../wire/parse/types.js';
import { FetchResponse } from '../../../wire/serialize/fetch.js';
import type { CommandContext } from '../../types.js';
import type { MessageFactsSource } from '../facts.js';

type IndexItem = 'UID' | 'FLAGS' | 'MODSEQ' | 'INTERNALDATE' | 'RFC822.SIZE';
const INDEX_ITEMS = new Set<string>(['UID', 'FLAGS', 'MODSEQ', 'INTERNALDATE', 'RFC822.SIZE']);

/** Bytes of lines handed to the writer at once; at most this many lines between two turns for the others. */
const CHUNK = 64 * 1024;
const LINES_PER_TURN = 512;
/** The clock is read once per this many lines (reading it costs more than a line). */
const CLOCK_EVERY = 64;
/** Room a line needs besides its flag list: four numbers, the item names, a date. */
const LINE_ROOM = 160;

/** The items when every one is an index item, else null (the general path then). */
export function indexItemsOnly(items: readonly FetchItem[]): IndexItem[] | null {
  const out: IndexItem[] = [];
  for (const item of items) {
    if (item.kind !== 'simple' || !INDEX_ITEMS.has(item.item)) return null;
    out.push(item.item as IndexItem);
  }
  return out;
}

/** Response lines written into a Buffer. */
class LineBytes {
  buf = Buffer.allocUnsafe(CHUNK + LINE_ROOM);
  at = 0;

  /** Room for `n` more bytes (false: take() first). */
  fits(n: number): boolean {
    return this.at + n <= this.buf.length;
  }

  byte(b: number): void {
    this.buf[this.at++] = b;
  }

  ascii(text: string): void {
    this.at += this.buf.write(text, this.at, 'latin1');
  }

  /** Short byte strings by hand: a native copy costs more than the bytes. */
  bytes(b: Buffer): void {
    if (b.length > 32) {
      b.copy(this.buf, this.at);
      this.at += b.length;
      return;
    }
    const buf = this.buf;
    let at = this.at;
    for (let k = 0; k < b.length; k++) buf[at++] = b[k]!;
    this.at = at;
  }

  /** A non-negative integer in decimal. */
  int(n: number): void {
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    let at = this.at + digits;
    this.at = at;
    for (let x = n; digits-- > 0; x = Math.floor(x / 10)) this.buf[--at] = 48 + (x % 10);
  }

  take(): Buffer {
    const out = this.buf.subarray(0, this.at);
    this.buf = Buffer.allocUnsafe(CHUNK + LINE_ROOM);
    this.at = 0;
    return out;
  }
}

/** `FLAGS (...)` of a shared flag list (snapshot.flags of a message without keywords), without and with \Recent. */
const renderedLists = new WeakMap<readonly string[], Buffer>();
const renderedRecent = new WeakMap<readonly string[], Buffer>();

function flagItemText(flags: readonly string[], recent: boolean): string {
  let list = 'FLAGS (';
  for (let k = 0; k < flags.length; k++) list += (k > 0 ? ' ' : '') + flags[k];
  if (recent) list += flags.length > 0 ? ' \\Recent' : '\\Recent';
  return list + ')';
}

/** The FLAGS item as bytes (a keyword's escaped 8-bit bytes sent as they are, as the general serializer does). */
function flagItem(flags: readonly string[], recent: boolean): Buffer {
  if (!Object.isFrozen(flags)) {
    const text = flagItemText(flags, recent);
    return isAscii(text) ? Buffer.from(text, 'latin1') : encodeHeaderText(text);
  }
  const kept = recent ? renderedRecent : renderedLists;
  let bytes = kept.get(flags);
  if (bytes === undefined) {
    bytes = Buffer.from(flagItemText(flags, recent), 'latin1');
    kept.set(flags, bytes);
  }
  return bytes;
}

function isAscii(text: string): boolean {
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) > 0x7f) return false;
  return true;
}

const FETCH_OPEN = Buffer.from(' FETCH (');
const UID_ITEM = Buffer.from('UID ');
const MODSEQ_ITEM = Buffer.from('MODSEQ (');
const DATE_ITEM = Buffer.from('INTERNALDATE ');
const SIZE_ITEM = Buffer.from('RFC822.SIZE ');
const LINE_END = Buffer.from(')\r\n');

/**
 * Send the lines of `targets` (only those changed after `changedSince` when given); returns how
 * many messages the store no longer has, or null when the client left.
 */
export async function sendIndexLines(
  ctx: CommandContext, selected: SelectedMailbox, targets: { seqs: number[]; uids: number[] }, facts: MessageFactsSource, items: readonly IndexItem[], changedSince: number | null,
): Promise<number | null> {
  const needsFlags = items.includes('FLAGS');
  const needsDate = items.includes('INTERNALDATE');
  const isRecent = selected.recentCount === 0 ? () => false : (uid: number) => selected.isRecent(uid);
  const slices = new LoopSlices(undefined, LINES_PER_TURN);
  const out = new LineBytes();
  let missing = 0;
  for (let i = 0; i < targets.uids.length; i++) {
    if (i % CLOCK_EVERY === CLOCK_EVERY - 1 && slices.due(CLOCK_EVERY)) {
      // What is ready goes out before the pause, so the client reads while others run.
      if (out.at > 0) ctx.out.raw(out.take());
      await ctx.out.flush();
      await slices.pause();
      if (ctx.clientGone()) return null;
    }
    if (!facts.has(i)) {
      missing++;
      continue;
    }
    if (changedSince !== null && facts.modseqOf(i) <= changedSince) continue;
    const uid = facts.uidOf(i);
    const flags = needsFlags ? flagItem(facts.flagsOf(i), isRecent(uid)) : null;
    const room = LINE_ROOM + (flags?.length ?? 0);
    if (!out.fits(room)) {
      ctx.out.raw(out.take());
      await ctx.out.maybeFlush();
      if (!out.fits(room)) {
        // a flag list longer than a chunk: this line through the general serializer
        for (const chunk of generalLine(facts, i, targets.seqs[i]!, items, isRecent).finish()) if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) ctx.out.raw(chunk);
        continue;
      }
    }
    out.byte(42); // '*'
    out.byte(32);
    out.int(targets.seqs[i]!);
    out.bytes(FETCH_OPEN);
    for (let k = 0; k < items.length; k++) {
      if (k > 0) out.byte(32);
      switch (items[k]!) {
        case 'UID':
          out.bytes(UID_ITEM);
          out.int(uid);
          break;
        case 'FLAGS':
          out.bytes(flags!);
          break;
        case 'MODSEQ':
          out.bytes(MODSEQ_ITEM);
          out.int(facts.modseqOf(i));
          out.byte(41); // ')'
          break;
        case 'INTERNALDATE':
          out.bytes(DATE_ITEM);
          out.ascii(needsDate ? formatDateTime(new Date(facts.internalDateOf(i))) : '');
          break;
        case 'RFC822.SIZE':
          out.bytes(SIZE_ITEM);
          out.int(facts.sizeOf(i));
          break;
      }
    }
    out.bytes(LINE_END);
    if (out.at >= CHUNK) {
      ctx.out.raw(out.take());
      await ctx.out.maybeFlush();
    }
  }
  if (out.at > 0) ctx.out.raw(out.take());
  return missing;
}

function generalLine(facts: MessageFactsSource, i: number, seq: number, items: readonly IndexItem[], isRecent: (uid: number) => boolean): FetchResponse {
  const response = new FetchResponse(seq);
  const uid = facts.uidOf(i);
  for (const item of items) {
    if (item === 'UID') response.uid(uid);
    else if (item === 'FLAGS') response.flags(isRecent(uid) ? [...facts.flagsOf(i), '\\Recent'] : facts.flagsOf(i));
    else if (item === 'MODSEQ') response.modseq(facts.modseqOf(i));
    else if (item === 'INTERNALDATE') response.internalDate(new Date(facts.internalDateOf(i)));
    else response.rfc822Size(facts.sizeOf(i));
  }
  return response;
}
