/**
 * FETCH of index items (UID, FLAGS, MODSEQ, INTERNALDATE, RFC822.SIZE) and of the cached ENVELOPE
 * and BODYSTRUCTURE only, the forms clients use to resynchronise flags (`UID FETCH 1:* (UID FLAGS)`)
 * and to list a mailbox (`FETCH 1:* (ENVELOPE)`): each response line is written straight into a
 * Buffer from the snapshot columns, numbers as digits, the flag list of the messages without
 * keywords as bytes rendered once per combination of system flags, and ENVELOPE / BODYSTRUCTURE
 * copied from the wire bytes cached at append, read a few hundred messages per query
 * (mailbox.formBytes). A line makes no object and no string (issue 16: on 100,000 messages the
 * general path's per-message response objects and strings cost more than the lines themselves).
 * A message whose cache row has no rendered forms (cached before them) gets a line from its
 * summary through the general serializer.
 */
import { LoopSlices, SLICE_MS } from '../../../../common/index.js';
import type { FormBytes, Mailbox } from '../../../../mailbox/index.js';
import { encodeHeaderText, type MessageSummary } from '../../../../message/index.js';
import type { SelectedMailbox } from '../../../session/selected.js';
import { formatDateTime } from '../../../wire/datetime.js';
import type { FetchItem } from '../../../wire/parse/types.js';
import { MAX_DECIMAL, writeDecimal } from '../../../wire/serialize/digits.js';
import { FetchResponse } from '../../../wire/serialize/fetch.js';
import type { CommandContext } from '../../types.js';
import type { MessageFactsSource } from '../facts.js';

type IndexItem = 'UID' | 'FLAGS' | 'MODSEQ' | 'INTERNALDATE' | 'RFC822.SIZE' | 'ENVELOPE' | 'BODYSTRUCTURE';
const INDEX_ITEMS = new Set<string>(['UID', 'FLAGS', 'MODSEQ', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODYSTRUCTURE']);

/**
 * Bytes of lines handed to the writer at once (one socket write each); at most LINES_PER_TURN
 * lines between two turns for the others. 256 KB rather than 64 KB: a quarter of the writes and of
 * the waits for the socket to drain (UID FETCH 1:* (UID FLAGS): about a third less wall time on
 * the loaded machine, the same bytes).
 */
const CHUNK = 256 * 1024;
const LINES_PER_TURN = 1024;
/**
 * Lines are written into buffers this big, each handed to the writer in pieces (subarrays: the
 * bytes written are never touched again), so a FETCH allocates one buffer per few chunks of lines
 * instead of one per piece (on 100,000 FLAGS lines the pieces' buffers were most of the garbage).
 */
const BUFFER = 1024 * 1024;
/** The clock is read once per this many lines (reading it costs more than a line). */
const CLOCK_EVERY = 64;
/**
 * Room a line needs besides its flag list and forms: its start and end, and per item its head, a
 * number or a date, and the up to 3 bytes a piece's last word writes past its end (an item may be
 * asked more than once: the room grows with the items).
 */
const LINE_ROOM = 32;
const ITEM_ROOM = 64;
/**
 * Messages whose forms one query reads, and the widest UID range it reads for them (a sparse set
 * reads less at once). A query took 5-10 ms on a cold mailbox (fairness-turns) and some turns held
 * two: a read now waits for the next turn when the slice is half used (see sendIndexLines).
 * 160 keeps a read's bytes (about 55 KB of ENVELOPEs, built by SQLite's group_concat and copied
 * into a Buffer) under the workers' fixed 128 KiB mmap threshold (worker-pool.ts
 * workerEnvironment): reads of 512 (about 175 KB) were mapped, faulted in page by page and
 * unmapped twice per read, some 330 ms of a cold FETCH 1:* (ENVELOPE) of 100,000 messages in one
 * process (62-70 ms with reads of 160 or 256), and with the heap top kept (below) the worker's CPU
 * for the cold SELECT, FETCH (FLAGS) and FETCH (ENVELOPE) went from 1,063-1,147 to 792-852 ms.
 */
const FORMS_PER_READ = 160;
const FORMS_SPAN = 2048;
/** From this many messages the forms read are kept for the next FETCH of the mailbox. */
const KEEP_FORMS_FROM = 1000;

/** The items when every one is an index item or a cached form, else null (the general path then). */
export function indexItemsOnly(items: readonly FetchItem[]): IndexItem[] | null {
  const out: IndexItem[] = [];
  for (const item of items) {
    if (item.kind !== 'simple' || !INDEX_ITEMS.has(item.item)) return null;
    out.push(item.item as IndexItem);
  }
  return out;
}

/** Bytes of the first buffer a FETCH of one message's lines may need (besides ENVELOPE and BODYSTRUCTURE). */
const FIRST_PER_LINE = 256;
/** ... and per message with ENVELOPE or BODYSTRUCTURE (a typical form is a few hundred bytes; a longer one takes another buffer). */
const FIRST_PER_FORM = 1024;

/**
 * The first buffer's size for `lines` lines: a FETCH of a few messages (the usual client's) takes
 * a few KB, not a whole BUFFER. A megabyte per small FETCH is external memory V8 counts towards its
 * next full GC: under imap-load it caused a mark-compact every ~100 ms in each worker.
 */
export function firstBufferSize(lines: number, withForms: boolean): number {
  return Math.min(BUFFER, Math.max(4096, lines * (FIRST_PER_LINE + (withForms ? FIRST_PER_FORM : 0))));
}

/**
 * Response lines written into a Buffer. When a buffer is full the one before it is used again if
 * none of its bytes still wait to be written (`queued`: bytes the writer and the socket still hold,
 * the newest last): a FETCH 1:* then writes into two buffers instead of a new megabyte per
 * megabyte of lines. Buffers are external memory, and V8 counts the external memory grown since
 * its last full GC towards the next one: on 100,000 ENVELOPE lines the fresh buffers were a
 * mark-compact every few hundred ms on the worker, each a pause for every other session (issue 16,
 * fairness-100k).
 */
export class LineBytes {
  buf: Buffer;
  /** `buf` as a DataView (words written by putPiece). */
  view: DataView;
  at = 0;
  /** Where the bytes not yet taken start. */
  private start = 0;
  /** The buffer before `buf`, to be used again once its bytes are written. */
  private spare: Buffer | null = null;

  constructor(size: number, private readonly queued: () => number = () => Infinity) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = dataView(this.buf);
  }

  /** Bytes written and not yet taken. */
  get pending(): number {
    return this.at - this.start;
  }

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
    this.at = put(this.buf, this.at, b, 0, b.length);
  }

  /** Bytes [start, end) of `b`. */
  slice(b: Buffer, start: number, end: number): void {
    this.at = put(this.buf, this.at, b, start, end);
  }

  /** A non-negative integer in decimal (a modseq may pass 2^32: those through their text). */
  int(n: number): void {
    this.at = putInt(this.buf, this.at, n);
  }

  /**
   * The bytes written since the last take(); afterwards there is room for at least `room` bytes
   * more. A new buffer is made only for a line that needs it (fits() said no), never after the last line.
   */
  take(room = 0): Buffer {
    const out = this.buf.subarray(this.start, this.at);
    if (this.buf.length - this.at < room) {
      const size = Math.max(BUFFER, room);
      // The bytes still held downstream are the newest: when they are no more than what was taken
      // from `buf` (`start`; `out` is not handed on yet), none of them is the spare's.
      const reuse = this.spare !== null && this.spare.length >= size && this.queued() <= this.start;
      const next = reuse ? this.spare! : Buffer.allocUnsafe(size);
      this.spare = this.buf;
      this.buf = next;
      this.view = dataView(next);
      this.at = 0;
    }
    this.start = this.at;
    return out;
  }
}

/** `FLAGS (...)` of a shared flag list (snapshot.flags of a message without keywords), without and with \Recent. */
const renderedLists = new WeakMap<readonly string[], Piece>();
const renderedRecent = new WeakMap<readonly string[], Piece>();

function flagItemText(flags: readonly string[], recent: boolean): string {
  let list = 'FLAGS (';
  for (let k = 0; k < flags.length; k++) list += (k > 0 ? ' ' : '') + flags[k];
  if (recent) list += flags.length > 0 ? ' \\Recent' : '\\Recent';
  return list + ')';
}

/** The FLAGS item as bytes (a keyword's escaped 8-bit bytes sent as they are, as the general serializer does). */
function flagItem(flags: readonly string[], recent: boolean): Piece {
  if (!Object.isFrozen(flags)) {
    const text = flagItemText(flags, recent);
    return piece(isAscii(text) ? Buffer.from(text, 'latin1') : encodeHeaderText(text));
  }
  const kept = recent ? renderedRecent : renderedLists;
  let item = kept.get(flags);
  if (item === undefined) {
    item = piece(Buffer.from(flagItemText(flags, recent), 'latin1'));
    kept.set(flags, item);
  }
  return item;
}

/** Flag lists with keywords rendered per FETCH at most (each distinct list once, by flagBytes). */
const KEYWORD_ITEMS = 4096;

/**
 * The FLAGS item of target `i`: a list without keywords looked up by its flag bits in `plain`, a
 * list with keywords rendered once per distinct list and FETCH (`kept`), not once per message (a
 * string, an encoding and a Buffer each).
 */
function flagBytes(facts: MessageFactsSource, i: number, recent: boolean, kept: Map<string, Piece>, plain: Array<Piece | undefined>): Piece {
  // without keywords: by the system flag bits (and \Recent), an array index
  const bits = facts.plainFlagBitsOf(i);
  if (bits >= 0) return (plain[recent ? bits + 256 : bits] ??= flagItem(facts.flagsOf(i), recent));
  const key = facts.keywordKeyOf(i);
  if (key === null) return flagItem(facts.flagsOf(i), recent);
  const k = recent ? `R${key}` : key;
  let item = kept.get(k);
  if (item === undefined) {
    item = flagItem(facts.flagsOf(i), recent);
    if (kept.size < KEYWORD_ITEMS) kept.set(k, item);
  }
  return item;
}

function isAscii(text: string): boolean {
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) > 0x7f) return false;
  return true;
}

/** Items as small numbers: the line loop switches on these, not on the item names. */
const UID = 0;
const FLAGS = 1;
const MODSEQ = 2;
const INTERNALDATE = 3;
const SIZE = 4;
const ENVELOPE = 5;
const BODYSTRUCTURE = 6;
const ITEM_CODES: Record<IndexItem, number> = { UID, FLAGS, MODSEQ, INTERNALDATE, 'RFC822.SIZE': SIZE, ENVELOPE, BODYSTRUCTURE };
/** The item's bytes before its value (the FLAGS item's bytes carry their name). */
const ITEM_NAMES: Record<IndexItem, string> = {
  UID: 'UID ', FLAGS: '', MODSEQ: 'MODSEQ (', INTERNALDATE: 'INTERNALDATE ', 'RFC822.SIZE': 'RFC822.SIZE ', ENVELOPE: 'ENVELOPE ', BODYSTRUCTURE: 'BODYSTRUCTURE ',
};
const LINE_END = Buffer.from(')\r\n');

/**
 * What a line writes before each item's value: ` FETCH (` and the first item's name, then a space
 * and the name of each next one (one copy per item instead of two or three).
 */
function itemHeads(items: readonly IndexItem[]): Piece[] {
  return items.map((item, k) => piece(Buffer.from(`${k === 0 ? ' FETCH (' : ' '}${ITEM_NAMES[item]}`, 'latin1')));
}

/**
 * A short byte string written often (an item's head, a FLAGS item), also as little-endian 32-bit
 * words: putPiece writes it a word at a time, a quarter of the stores of a byte loop (on 100,000
 * FLAGS lines the byte copies were half of the lines' time).
 */
export interface Piece {
  bytes: Buffer;
  /** The bytes four at a time, the last word padded with zeros. */
  words: Uint32Array;
}

export function piece(bytes: Buffer): Piece {
  const words = new Uint32Array(Math.ceil(bytes.length / 4));
  for (let k = 0; k < bytes.length; k++) words[k >> 2]! |= bytes[k]! << (8 * (k & 3));
  return { bytes, words };
}

/**
 * `p` at `at` of the buffer `view` covers; returns the end of its bytes. The last word may write up
 * to 3 bytes past that end: the caller has room for them (ITEM_ROOM) and writes over them next.
 */
export function putPiece(view: DataView, at: number, p: Piece): number {
  const words = p.words;
  for (let k = 0; k < words.length; k++) view.setUint32(at + 4 * k, words[k]!, true);
  return at + p.bytes.length;
}

function dataView(buf: Buffer): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.length);
}

/** Bytes [start, end) of `b` at `at` of `buf`; returns the end. Short ones by hand: a native copy costs more than the bytes. */
function put(buf: Buffer, at: number, b: Buffer, start: number, end: number): number {
  if (end - start > 32) {
    b.copy(buf, at, start, end);
    return at + end - start;
  }
  for (let k = start; k < end; k++) buf[at++] = b[k]!;
  return at;
}

/** A non-negative integer in decimal at `at`; returns the end (a modseq may pass 2^32: those through their text). */
function putInt(buf: Buffer, at: number, n: number): number {
  return n <= MAX_DECIMAL ? writeDecimal(buf, at, n) : at + buf.write(String(n), at, 'latin1');
}

/** The cached forms of the targets from..end, and summaries for those that have none. */
class FormReader {
  /** Targets [from, end) are covered by `forms`. */
  private from = 0;
  private end = 0;
  private forms: FormBytes | null = null;
  private row = 0;
  private summaries: Map<number, MessageSummary> | null = null;

  constructor(
    private readonly mailbox: Mailbox,
    private readonly uids: ArrayLike<number>,
    private readonly withBodyStructure: boolean,
    /** Many messages: the mailbox keeps the ranges read for the next such FETCH (mailbox/form-cache.ts). */
    private readonly keep: boolean,
    /** The facts found the index quiet (facts.ts): the kept ranges may be found without a transaction. */
    private readonly quiet: boolean,
    /** The mailbox as the facts' snapshot read it: kept ranges found without a transaction even when not quiet. */
    private readonly known: { uniqueId: string; uidValidity: number } | null,
  ) {}

  /** Whether rowOf(i) reads the forms of the next targets from the index first. */
  readsAt(i: number): boolean {
    return i >= this.end;
  }

  /** The row of target `i`'s forms (targets asked in ascending order), or -1 when it has none. */
  rowOf(i: number): number {
    if (i >= this.end) this.read(i);
    const forms = this.forms!;
    const uid = this.uids[i]!;
    while (this.row < forms.count && forms.uids[this.row]! < uid) this.row++;
    return this.row < forms.count && forms.uids[this.row] === uid ? this.row : -1;
  }

  get current(): FormBytes {
    return this.forms!;
  }

  /** The summary of target `i` without forms (read with the others of its group), or null when the message is gone. */
  summaryOf(i: number): MessageSummary | null {
    if (this.summaries === null) {
      const lacking: number[] = [];
      const forms = this.forms!;
      let r = 0;
      for (let k = this.from; k < this.end; k++) {
        const uid = this.uids[k]!;
        while (r < forms.count && forms.uids[r]! < uid) r++;
        if (r === forms.count || forms.uids[r] !== uid) lacking.push(uid);
      }
      this.summaries = this.mailbox.summaries(lacking);
    }
    return this.summaries.get(this.uids[i]!) ?? null;
  }

  private read(i: number): void {
    const uids = this.uids;
    let end = i + 1;
    while (end < uids.length && end - i < FORMS_PER_READ && uids[end]! - uids[i]! < FORMS_SPAN) end++;
    this.from = i;
    this.end = end;
    this.forms = this.mailbox.formBytes(uids[i]!, uids[end - 1]!, this.withBodyStructure, this.keep, this.quiet, this.known);
    this.row = 0;
    this.summaries = null;
  }
}

/**
 * Send the lines of `targets` (only those changed after `changedSince` when given); returns how
 * many messages the store no longer has, or null when the client left. The lines are written by
 * IndexLineWriter.run, a plain loop that stops where a wait is needed; this function only waits.
 * One async function holding the whole loop was compiled by V8 again and again (nine optimizing
 * compiles of 20-46 ms on V8's helper threads in one fairness-100k run, each deoptimized when the
 * loop took a path it had not taken before): CPU taken from the 2 cores the event loop shares.
 */
export async function sendIndexLines(
  ctx: CommandContext, selected: SelectedMailbox, targets: { seqs: ArrayLike<number>; uids: ArrayLike<number> }, facts: MessageFactsSource, items: readonly IndexItem[], changedSince: number | null,
): Promise<number | null> {
  const writer = new IndexLineWriter(ctx, selected, targets, facts, items, changedSince);
  const n = targets.uids.length;
  let i = writer.run(0, false);
  while (i < n || writer.wait !== null) {
    const wait = writer.wait;
    if (wait === PAUSE) {
      await ctx.out.flush();
      await writer.slices.pause();
      if (ctx.clientGone()) return null;
      i = writer.run(i, true);
    } else {
      if (wait !== null) await wait;
      i = writer.run(i, false);
    }
  }
  if (writer.out.pending > 0) ctx.out.raw(writer.out.take());
  return writer.missing;
}

/** IndexLineWriter.wait when the slice is used up: a turn for the other sessions. */
const PAUSE: Promise<void> = Promise.resolve();

/** The lines of one FETCH of index items, written from target to target until a wait is needed. */
class IndexLineWriter {
  readonly slices = new LoopSlices(undefined, LINES_PER_TURN);
  readonly out: LineBytes;
  /** Messages the store no longer has. */
  missing = 0;
  /** Why run() stopped before the end: PAUSE (the slice is used up), a flush to wait for, or null. */
  wait: Promise<void> | null = null;
  private readonly needsFlags: boolean;
  private readonly forms: FormReader | null;
  private readonly isRecent: (uid: number) => boolean;
  private readonly keywordItems = new Map<string, Piece>();
  private readonly plainItems = new Array<Piece | undefined>(512);
  private readonly codes: Uint8Array;
  private readonly heads: Piece[];

  constructor(
    private readonly ctx: CommandContext, selected: SelectedMailbox, private readonly targets: { seqs: ArrayLike<number>; uids: ArrayLike<number> },
    private readonly facts: MessageFactsSource, private readonly items: readonly IndexItem[], private readonly changedSince: number | null,
  ) {
    this.needsFlags = items.includes('FLAGS');
    const needsEnvelope = items.includes('ENVELOPE');
    const needsBodyStructure = items.includes('BODYSTRUCTURE');
    this.forms = needsEnvelope || needsBodyStructure ? new FormReader(selected.mailbox, targets.uids, needsBodyStructure, targets.uids.length >= KEEP_FORMS_FROM, facts.quiet, facts.knownMailbox(selected.mailbox)) : null;
    this.isRecent = selected.recentCount === 0 ? () => false : (uid: number) => selected.isRecent(uid);
    this.out = new LineBytes(firstBufferSize(targets.uids.length, needsEnvelope || needsBodyStructure), () => ctx.out.queued);
    this.codes = Uint8Array.from(items, (item) => ITEM_CODES[item]);
    this.heads = itemHeads(items);
  }

  /**
   * Lines from target `i` on; returns where to go on once `wait` is over (the number of targets
   * when all are written and `wait` is null). `paused`: the turn for the others was just given
   * before target `i`.
   */
  run(i: number, paused: boolean): number {
    const { ctx, targets, facts, forms, out, codes, heads, slices } = this;
    const changedSince = this.changedSince;
    const n = targets.uids.length;
    this.wait = null;
    for (; i < n; i++) {
      // A read of forms (a query of up to FORMS_PER_READ rows: ms on a cold mailbox) starts a slice
      // rather than ending one that is half used.
      if (!paused && ((i % CLOCK_EVERY === CLOCK_EVERY - 1 && slices.due(CLOCK_EVERY)) || (forms !== null && i > 0 && forms.readsAt(i) && slices.spent() >= SLICE_MS / 2))) {
        // What is ready goes out before the pause, so the client reads while others run.
        if (out.pending > 0) ctx.out.raw(out.take());
        this.wait = PAUSE;
        return i;
      }
      paused = false;
      if (!facts.has(i)) {
        this.missing++;
        continue;
      }
      if (changedSince !== null && facts.modseqOf(i) <= changedSince) continue;
      const uid = facts.uidOf(i);
      const row = forms === null ? 0 : forms.rowOf(i);
      if (row < 0) {
        if (this.generalLine(i)) return i + 1;
        continue;
      }
      const cached = forms === null ? null : forms.current;
      const flags = this.needsFlags ? flagBytes(facts, i, this.isRecent(uid), this.keywordItems, this.plainItems) : null;
      const room = LINE_ROOM + ITEM_ROOM * codes.length + (flags?.bytes.length ?? 0) +
        (cached === null ? 0 : cached.envelopeAt[row + 1]! - cached.envelopeAt[row]! + (cached.bodyStructureAt === null ? 0 : cached.bodyStructureAt[row + 1]! - cached.bodyStructureAt[row]!));
      if (!out.fits(room)) {
        // a line longer than what is left (or than a buffer: the next one is made for it)
        const taken = out.take(room);
        if (taken.length > 0) ctx.out.raw(taken);
        // the line is written before the wait: there is room for it now
        this.wait = ctx.out.maybeFlushNow();
      }
      out.at = writeLine(out.buf, out.view, out.at, targets.seqs[i]!, uid, codes, heads, facts, i, flags, cached, row);
      if (this.wait !== null) return i + 1;
      if (out.pending >= CHUNK) {
        ctx.out.raw(out.take());
        this.wait = ctx.out.maybeFlushNow();
        if (this.wait !== null) return i + 1;
      }
    }
    return i;
  }

  /** Target `i`'s line from its summary (no cached forms) through the general serializer; true when run() must wait. */
  private generalLine(i: number): boolean {
    const summary = this.forms!.summaryOf(i);
    if (summary === null) {
      this.missing++;
      return false;
    }
    const ctx = this.ctx;
    if (this.out.pending > 0) ctx.out.raw(this.out.take());
    for (const chunk of generalLine(this.facts, i, this.targets.seqs[i]!, this.items, this.isRecent, summary).finish()) if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) ctx.out.raw(chunk);
    this.wait = ctx.out.maybeFlushNow();
    return this.wait !== null;
  }
}

/**
 * One line at `at` of `buf` (the caller made room): `* seq FETCH (...)` with the items of `codes`
 * after their `heads`; returns the end. Works on locals, not on LineBytes' fields, per byte.
 */
function writeLine(
  buf: Buffer, view: DataView, at: number, seq: number, uid: number, codes: Uint8Array, heads: readonly Piece[],
  facts: MessageFactsSource, i: number, flags: Piece | null, cached: FormBytes | null, row: number,
): number {
  buf[at++] = 42; // '*'
  buf[at++] = 32;
  at = writeDecimal(buf, at, seq);
  for (let k = 0; k < codes.length; k++) {
    at = putPiece(view, at, heads[k]!);
    switch (codes[k]) {
      case UID:
        at = writeDecimal(buf, at, uid);
        break;
      case FLAGS:
        at = putPiece(view, at, flags!);
        break;
      case MODSEQ:
        at = putInt(buf, at, facts.modseqOf(i));
        buf[at++] = 41; // ')'
        break;
      case INTERNALDATE:
        at += buf.write(formatDateTime(new Date(facts.internalDateOf(i))), at, 'latin1');
        break;
      case SIZE:
        at = putInt(buf, at, facts.sizeOf(i));
        break;
      case ENVELOPE:
        at = put(buf, at, cached!.envelopes, cached!.envelopeAt[row]!, cached!.envelopeAt[row + 1]!);
        break;
      case BODYSTRUCTURE:
        at = put(buf, at, cached!.bodyStructures!, cached!.bodyStructureAt![row]!, cached!.bodyStructureAt![row + 1]!);
        break;
    }
  }
  buf[at++] = 41; // ')'
  buf[at++] = 13;
  buf[at++] = 10;
  return at;
}

function generalLine(facts: MessageFactsSource, i: number, seq: number, items: readonly IndexItem[], isRecent: (uid: number) => boolean, summary: MessageSummary): FetchResponse {
  const response = new FetchResponse(seq);
  const uid = facts.uidOf(i);
  for (const item of items) {
    if (item === 'UID') response.uid(uid);
    else if (item === 'FLAGS') response.flags(isRecent(uid) ? [...facts.flagsOf(i), '\\Recent'] : facts.flagsOf(i));
    else if (item === 'MODSEQ') response.modseq(facts.modseqOf(i));
    else if (item === 'INTERNALDATE') response.internalDate(new Date(facts.internalDateOf(i)));
    else if (item === 'RFC822.SIZE') response.rfc822Size(facts.sizeOf(i));
    else if (item === 'ENVELOPE') response.envelope(summary.envelope);
    else response.bodyStructure(summary.body);
  }
  return response;
}
