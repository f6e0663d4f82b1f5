/**
 * Reading messages: whole, by byte range, as a stream, and their cached summaries (so ENVELOPE,
 * BODYSTRUCTURE and HEADER.FIELDS never open the message file).
 */
import { closeSync, createReadStream, openSync, promises as fsp, readFileSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import type { ImapForm } from '../message/index.js';
import type { MessageSummary } from '../message/index.js';
import { readTransaction } from '../common/sqlite.js';
import { messageFileError, messageFileName } from './files.js';
import { keepForms, keptForms } from './form-cache.js';
import type { IndexDb, MailboxRow } from './index-db.js';
import { prepareColumns } from './snapshot-load.js';
import type { MailboxContext } from './types.js';

/** Ranges up to this size are read at once, without the thread pool (readRangeNow). */
const SYNC_READ_MAX = 64 * 1024;

export class MessageReader {
  constructor(
    private readonly directory: string,
    protected readonly index: IndexDb,
    private readonly readerCtx: Pick<MailboxContext, 'summarize' | 'logger'>,
  ) {}

  /**
   * Before the first snapshot of a big mailbox (SELECT): read its index columns in slices that give
   * the process's other sessions turns, unless this process keeps them current (snapshot-load.ts).
   * The snapshot that follows is then a patch of a few records at most.
   */
  prepareSnapshot(): Promise<void> {
    return prepareColumns(this.index);
  }

  /**
   * The mailbox row as last read, while the index saw no commit since (Mailbox keeps the last
   * look); null: read it in a transaction.
   */
  protected quietRow(): MailboxRow | null {
    return null;
  }

  /** The file of message `uid`. */
  messagePath(uid: number): string {
    return join(this.directory, messageFileName(uid));
  }

  /**
   * The whole of message `uid` read on the calling thread, for synchronous callers and small
   * messages (a Sieve address book's contacts): readMessage() otherwise.
   */
  readMessageNow(uid: number): Buffer {
    try {
      return readFileSync(this.messagePath(uid));
    } catch (err) {
      throw messageFileError(err, uid, `message ${uid}`);
    }
  }

  async readMessage(uid: number): Promise<Buffer> {
    try {
      return await fsp.readFile(this.messagePath(uid));
    } catch (err) {
      throw messageFileError(err, uid, `message ${uid}`);
    }
  }

  /** Bytes [start, end) of message `uid` (clipped to its size). */
  async readRange(uid: number, start: number, end: number): Promise<Buffer> {
    if (end - start <= SYNC_READ_MAX) return this.readRangeNow(uid, start, end);
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(this.messagePath(uid), 'r');
    } catch (err) {
      throw messageFileError(err, uid, `message ${uid}`);
    }
    try {
      const size = (await handle.stat()).size;
      const from = Math.max(0, Math.min(start, size));
      const to = Math.max(from, Math.min(end, size));
      const buffer = Buffer.alloc(to - from);
      let done = 0;
      while (done < buffer.length) {
        const { bytesRead } = await handle.read(buffer, done, buffer.length - done, from + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === buffer.length ? buffer : buffer.subarray(0, done);
    } finally {
      await handle.close();
    }
  }

  /**
   * readRange() of a few KB without the thread pool: open, read and close of a file in the
   * page cache take microseconds, less than one hop to the pool and back, and the pool's four
   * threads are shared with the fsyncs of every APPEND and delivery of the process (a FETCH of a
   * message body queued behind them for milliseconds).
   */
  private readRangeNow(uid: number, start: number, end: number): Buffer {
    let fd: number;
    try {
      fd = openSync(this.messagePath(uid), 'r');
    } catch (err) {
      throw messageFileError(err, uid, `message ${uid}`);
    }
    try {
      // No fstat: reading up to the end of the file clips the range to the file as well.
      const from = Math.max(0, start);
      const buffer = Buffer.allocUnsafe(Math.max(0, end - from));
      let done = 0;
      while (done < buffer.length) {
        const n = readSync(fd, buffer, done, buffer.length - done, from + done);
        if (n === 0) break;
        done += n;
      }
      return done === buffer.length ? buffer : buffer.subarray(0, done);
    } catch (err) {
      throw messageFileError(err, uid, `message ${uid}`);
    } finally {
      closeSync(fd);
    }
  }

  /** A stream of bytes [start, end) of message `uid` (whole message by default). */
  readStream(uid: number, start = 0, end?: number): Readable {
    return createReadStream(this.messagePath(uid), { start, end: end === undefined ? undefined : Math.max(start, end) - 1 });
  }

  /** The cached summary; rebuilt from the file when the cache row is missing. Null if no such message. */
  summary(uid: number): MessageSummary | null {
    return this.summaries([uid]).get(uid) ?? null;
  }

  /**
   * The cached IMAP text of ENVELOPE (and of BODYSTRUCTURE with `withBodyStructure`) of many
   * messages, in one read transaction: `envelopes[i]`, `bodyStructures[i]` for `uids[i]` (ascending),
   * null where there are none (cached before they were rendered, or no cache row): use summaries() there.
   */
  renderedForms(uids: readonly number[], withBodyStructure: boolean): { envelopes: Array<ImapForm | null>; bodyStructures: Array<ImapForm | null> | null } {
    const n = uids.length;
    const envelopes = new Array<ImapForm | null>(n).fill(null);
    const bodyStructures = withBodyStructure ? new Array<ImapForm | null>(n).fill(null) : null;
    if (n === 0) return { envelopes, bodyStructures };
    readTransaction(this.index.db, 'read cache', () => {
      const stmts = this.index.stmts;
      const [uidText, envelopeText, bodyStructureText = null] = withBodyStructure ? stmts.formsColumns.get(uids[0]!, uids[n - 1]!)! : stmts.envelopeColumns.get(uids[0]!, uids[n - 1]!)!;
      if (uidText === null || envelopeText === null) return;
      const rowUids = uidText.split(',');
      const envelopeList = envelopeText.split('\0');
      const bodyStructureList = bodyStructureText === null ? null : bodyStructureText.split('\0');
      // A NUL inside some form (a header with a NUL byte, in a literal) breaks the split: row by row then.
      const aligned = envelopeList.length === rowUids.length && (bodyStructureList === null || bodyStructureList.length === rowUids.length);
      let p = 0;
      for (let r = 0; r < rowUids.length; r++) {
        const uid = Number(rowUids[r]);
        while (p < n && uids[p]! < uid) p++;
        if (p === n) break;
        if (uids[p] !== uid) continue;
        const envelope = aligned ? envelopeList[r]! : '';
        const bodyStructure = aligned && bodyStructureList !== null ? bodyStructureList[r]! : '';
        if (envelope !== '' && (bodyStructures === null || bodyStructure !== '')) {
          envelopes[p] = envelope;
          if (bodyStructures !== null) bodyStructures[p] = bodyStructure;
          continue;
        }
        // a BLOB (8-bit) form, or the split failed: this row on its own
        const [e, b] = stmts.forms.get(uid) ?? [null, null];
        envelopes[p] = e;
        if (bodyStructures !== null) bodyStructures[p] = b;
      }
    });
    return { envelopes, bodyStructures };
  }

  /**
   * The cached ENVELOPE (and with `withBodyStructure` BODYSTRUCTURE) of the messages with UIDs
   * `first`..`last` as the bytes FETCH sends, read in one query: no string and no object per
   * message (issue 16: FETCH 1:* (ENVELOPE) on 100,000 messages). Messages without a row (cached
   * before the forms were rendered) are absent: use summaries() for them. With `keep` (a FETCH of
   * many messages) the range is kept for the next such FETCH of this process (form-cache.ts).
   * `tryQuiet` false: the caller knows the index changed since the last look (no quiet check).
   * `known`: the mailbox's uniqueid and UIDVALIDITY as the caller read them from this index in the
   * same run of code (the snapshot its FETCH answers from): a range kept for them is found without
   * a transaction even when the index changed since (a message's forms never change; form-cache.ts).
   */
  formBytes(first: number, last: number, withBodyStructure: boolean, keep = false, tryQuiet = true, known: KnownMailbox | null = null): FormBytes {
    // While the index saw no commit since the last look (Mailbox), a range kept before is found
    // without a transaction, and a range read now is kept too: a FETCH of a few messages (FETCH
    // 5:14 (UID FLAGS ENVELOPE) under imap-load) asks for the same ranges again and again.
    // Under load the index changes between almost every two commands: the caller's snapshot then
    // names the mailbox instead (issue 16: a read transaction less per FETCH of a few messages).
    const quiet = tryQuiet ? this.quietRow() : null;
    const named = quiet !== null && quiet.state === 'active' ? { uniqueId: quiet.uniqueid, uidValidity: quiet.uidvalidity } : known;
    if (named !== null) {
      const hit = keptForms(`${this.index.identity}\u0000${named.uniqueId}\u0000${named.uidValidity}`, first, last, withBodyStructure);
      if (hit !== null) return hit;
      keep = true;
    }
    return readTransaction(this.index.db, 'read cache', () => {
      const stmts = this.index.stmts;
      if (!keep) return this.readFormBytes(first, last, withBodyStructure);
      const row = stmts.mailbox.get();
      if (row === undefined) return this.readFormBytes(first, last, withBodyStructure);
      const mailbox = `${this.index.identity}\u0000${row.uniqueid}\u0000${row.uidvalidity}`;
      const hit = keptForms(mailbox, first, last, withBodyStructure);
      if (hit !== null) return hit;
      const forms = this.readFormBytes(first, last, withBodyStructure);
      // Only a range no later message can join (form-cache.ts).
      if (last < row.uidnext) keepForms(mailbox, first, last, withBodyStructure, forms);
      return forms;
    });
  }

  /** formBytes inside its read transaction. */
  private readFormBytes(first: number, last: number, withBodyStructure: boolean): FormBytes {
    const stmts = this.index.stmts;
    const row = withBodyStructure ? stmts.formsBytes.get(first, last)! : stmts.envelopeBytes.get(first, last)!;
    const [uidText, envelopeLengths, envelopes, bodyStructureLengths = null, bodyStructures = null] = row;
    if (uidText === null || envelopeLengths === null || envelopes === null) return { count: 0, uids: new Uint32Array(0), envelopes: Buffer.alloc(0), envelopeAt: new Uint32Array(1), bodyStructures: null, bodyStructureAt: null };
    const uids = new Uint32Array((uidText.length + 1) >> 1);
    const count = parseNumbers(uidText, uids, false);
    let ascending = true;
    for (let r = 1; r < count && ascending; r++) ascending = uids[r - 1]! < uids[r]!;
    const envelopeAt = new Uint32Array(count + 1);
    const bodyStructureAt = withBodyStructure ? new Uint32Array(count + 1) : null;
    // In UID order, and the lengths add up to the bytes (they always should): row by row otherwise.
    if (ascending && parseNumbers(envelopeLengths, envelopeAt, true) === count && envelopeAt[count] === envelopes.length &&
      (bodyStructureAt === null || (bodyStructureLengths !== null && bodyStructures !== null && parseNumbers(bodyStructureLengths, bodyStructureAt, true) === count && bodyStructureAt[count] === bodyStructures.length))) {
      return { count, uids, envelopes, envelopeAt, bodyStructures: bodyStructureAt === null ? null : bodyStructures, bodyStructureAt };
    }
    return formBytesByRow(stmts.formsRange.all(first, last), withBodyStructure);
  }

  /**
   * The raw header blocks of many messages (SEARCH on header fields) in one read transaction:
   * `headers[i]` for `uids[i]` (ascending), null where there is none (cached before header blocks
   * were kept apart, or no cache row): use summaries() there.
   */
  searchHeaders(uids: readonly number[]): Array<Buffer | null> {
    const n = uids.length;
    const headers = new Array<Buffer | null>(n).fill(null);
    if (n === 0) return headers;
    readTransaction(this.index.db, 'read cache', () => {
      const stmts = this.index.stmts;
      const [uidText, lengthText, blocks] = stmts.headersColumns.get(uids[0]!, uids[n - 1]!)!;
      if (uidText === null || lengthText === null || blocks === null) return;
      const rowUids = uidText.split(',');
      const lengths = lengthText.split(',');
      let total = 0;
      for (const length of lengths) total += Number(length);
      let p = 0;
      if (lengths.length === rowUids.length && total === blocks.length) {
        let offset = 0;
        for (let r = 0; r < rowUids.length; r++) {
          const uid = Number(rowUids[r]);
          const length = Number(lengths[r]);
          while (p < n && uids[p]! < uid) p++;
          if (p === n) break;
          if (uids[p] === uid) headers[p] = blocks.subarray(offset, offset + length);
          offset += length;
        }
        return;
      }
      // Lengths and bytes disagree (should not happen): row by row.
      for (const [uid, header] of stmts.headersRange.iterate(uids[0]!, uids[n - 1]!)) {
        while (p < n && uids[p]! < uid) p++;
        if (p === n) break;
        if (uids[p] === uid) headers[p] = header;
      }
    });
    return headers;
  }

  /** Summaries of many messages (FETCH 1:* ENVELOPE) in one read transaction. */
  summaries(uids: readonly number[]): Map<number, MessageSummary> {
    const out = new Map<number, MessageSummary>();
    const missing: number[] = [];
    readTransaction(this.index.db, 'read cache', () => {
      if (uids.length > 16) {
        // Many messages: one range scan instead of a query per message.
        const wanted = new Set(uids);
        let lo = Infinity;
        let hi = 0;
        for (const uid of uids) {
          if (uid < lo) lo = uid;
          if (uid > hi) hi = uid;
        }
        for (const [uid, summary] of this.index.stmts.cacheRange.all(lo, hi)) {
          if (wanted.has(uid)) out.set(uid, JSON.parse(summary) as MessageSummary);
        }
        for (const uid of uids) if (!out.has(uid) && this.index.stmts.message.get(uid)) missing.push(uid);
        return;
      }
      for (const uid of uids) {
        const row = this.index.stmts.cache.get(uid);
        if (row) out.set(uid, JSON.parse(row.summary) as MessageSummary);
        else if (this.index.stmts.message.get(uid)) missing.push(uid);
      }
    });
    for (const uid of missing) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(this.messagePath(uid));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw messageFileError(err, uid, `message ${uid}`);
      }
      this.readerCtx.logger.warn({ uid }, 'cache row missing; parsed the message file (run reconstruct)');
      out.set(uid, this.readerCtx.summarize(bytes));
    }
    return out;
  }
}

/** A mailbox as its index row names it (MessageReader.formBytes). */
export interface KnownMailbox {
  uniqueId: string;
  uidValidity: number;
}

/** The cached wire bytes of the forms of a UID range (MessageReader.formBytes). */
export interface FormBytes {
  /** Rows found. */
  count: number;
  /** Their UIDs, ascending (uids[r], r < count). */
  uids: Uint32Array;
  /** Row r's ENVELOPE is envelopes[envelopeAt[r] .. envelopeAt[r + 1]). */
  envelopes: Buffer;
  envelopeAt: Uint32Array;
  /** The same for BODYSTRUCTURE, when asked for. */
  bodyStructures: Buffer | null;
  bodyStructureAt: Uint32Array | null;
}

/**
 * Comma-separated decimal numbers into `out` (as running sums from out[1] on with `sums`); returns
 * how many. By hand: split() and Number() would make a string per number.
 */
function parseNumbers(text: string, out: Uint32Array, sums: boolean): number {
  let n = 0;
  let value = 0;
  for (let k = 0; k <= text.length; k++) {
    const c = k < text.length ? text.charCodeAt(k) : 44;
    if (c !== 44) {
      value = value * 10 + (c - 48);
      continue;
    }
    if (sums) out[n + 1] = out[n]! + value;
    else out[n] = value;
    n++;
    value = 0;
  }
  return n;
}

function formBytesByRow(rows: Array<[number, string | Buffer, string | Buffer]>, withBodyStructure: boolean): FormBytes {
  const count = rows.length;
  const uids = new Uint32Array(count);
  const envelopeAt = new Uint32Array(count + 1);
  const bodyStructureAt = withBodyStructure ? new Uint32Array(count + 1) : null;
  const envelopes: Buffer[] = [];
  const bodyStructures: Buffer[] = [];
  const bytes = (form: string | Buffer): Buffer => (typeof form === 'string' ? Buffer.from(form, 'utf8') : form);
  for (let r = 0; r < count; r++) {
    const [uid, envelope, bodyStructure] = rows[r]!;
    uids[r] = uid;
    envelopes.push(bytes(envelope));
    envelopeAt[r + 1] = envelopeAt[r]! + envelopes[r]!.length;
    if (bodyStructureAt !== null) {
      bodyStructures.push(bytes(bodyStructure));
      bodyStructureAt[r + 1] = bodyStructureAt[r]! + bodyStructures[r]!.length;
    }
  }
  return { count, uids, envelopes: Buffer.concat(envelopes), envelopeAt, bodyStructures: bodyStructureAt === null ? null : Buffer.concat(bodyStructures), bodyStructureAt };
}
