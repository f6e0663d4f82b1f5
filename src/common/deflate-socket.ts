/**
 * A connection compressed with raw DEFLATE both ways (IMAP COMPRESS=DEFLATE, RFC 4978): a Duplex
 * over the session's current socket (plain TCP or TLS) that a session moves its listeners onto, as
 * it does for STARTTLS. Every write is compressed and ended with a sync flush, so the peer gets
 * each write (one whole answer: the IMAP writer makes one write per answer) at once and whole.
 *
 * Both directions run zlib synchronously on the event loop, each write and each read as it comes:
 * no thread-pool hop per answer, output in the order written, and write callbacks that mean what
 * a socket's mean (the bytes went to the kernel). A write's callback runs when the inner socket
 * took its compressed bytes, and the next write is compressed only then, so `writableLength`
 * counts every byte not yet handed to the kernel, 'drain' comes as from a socket, and a zero-length
 * write's callback follows those of every write before it (ResponseWriter.whenWritten).
 *
 * Input is inflated in slices of INFLATE_SLICE compressed bytes while the reader keeps up (push
 * said so); then the inner socket is paused and the rest waits, still compressed. DEFLATE expands
 * at most about 1032:1, so what one slice can make is bounded (a "zip bomb" line cannot blow up
 * memory in one go). Input that is not valid DEFLATE stops the reading for good and is reported
 * once (onCorruptInput; without it the stream is destroyed with the error).
 */
import { Duplex } from 'node:stream';
import { constants, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';

/** Compressed input inflated at a time: at most about 1 MiB of output. */
const INFLATE_SLICE = 1024;
/** Node's own output buffer per zlib stream, unused here (zlib's smallest: it is allocated per connection). */
const NODE_CHUNK = constants.Z_MIN_CHUNK;
/** The output buffer every step writes into (steps are synchronous: one buffer for the whole process). */
const scratch = Buffer.allocUnsafe(16 * 1024);

/**
 * The defaults for our output. RFC 4978 section 4 lets the sender pick; the receiver must accept
 * any window, so inflate keeps zlib's 32 KiB. A 4 KiB window and memLevel 4: the zlib Node
 * bundles (Chromium's) keeps a hash table of 32768 entries whatever memLevel says, so a deflate
 * state costs about 95 KiB once used (220 KiB with zlib's defaults); hence also the release after
 * DEFLATE_IDLE_MS. Level 4, not zlib's 6: on 7.7 MiB of FETCH BODY[] answers of mail-like text,
 * 31.1% of the bytes for 120 ms of CPU against 30.1% for 185 ms (15 bits and memLevel 8 at
 * level 6: 26.8%, 470 ms).
 */
export const DEFLATE_OUTPUT = { level: 4, windowBits: 12, memLevel: 4 } as const;

/**
 * A compressor unused this long is freed; the next write starts a new one. Its blocks continue the
 * stream (each write ended with a sync flush on a byte boundary, and no final block was sent): the
 * peer's inflate goes on, and only the back-references into earlier answers are lost. An idle
 * connection (IDLE) then holds only the inflate state (at most 32 KiB of window and 7 KiB).
 */
export const DEFLATE_IDLE_MS = 2000;

/** An empty final block (fixed Huffman, end of block): the end of a stream whose compressor was freed. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

export interface DeflateSocketOptions {
  level?: number;
  windowBits?: number;
  memLevel?: number;
  /**
   * The peer sent bytes that are not valid DEFLATE: reading has stopped for good, writing still
   * works (a session can say BYE). Without it the stream is destroyed with the error.
   */
  onCorruptInput?: (err: Error) => void;
  /** Free the compressor after this long without a write (default DEFLATE_IDLE_MS). */
  idleMs?: number;
}

/**
 * The parts of a Node zlib stream that a synchronous step needs. Node's own synchronous path
 * (`_processChunk` without a callback, behind zlib.*Sync) closes the stream after one call, so it
 * cannot carry a connection's state; this drives the same native handle the same way and keeps it
 * open. The handle's `writeSync(flush, in, inOff, inLen, out, outOff, outLen)` leaves the output
 * and input still available in `_writeState`; a zlib error is reported through `handle.onerror`
 * (replaced here: Node's own would destroy the stream a tick later). Unchanged since Node 10; the
 * unit tests of this file fail at once if a Node version changes it.
 */
interface ZlibHandle {
  writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
  onerror: (message: string, errno: number, code?: string) => void;
}
interface ZlibInternals {
  _handle: ZlibHandle | null;
  _writeState: Uint32Array;
}

type Step = (input: Buffer, flush: number) => Buffer;

function syncStep(stream: DeflateRaw | InflateRaw): Step {
  const internals = stream as unknown as ZlibInternals;
  const handle = internals._handle;
  const state = internals._writeState;
  if (handle === null || typeof handle.writeSync !== 'function' || !(state instanceof Uint32Array)) throw new Error('this Node version has no zlib handle to drive');
  let failure: Error | null = null;
  handle.onerror = (message, errno, code) => {
    failure = Object.assign(new Error(message), { errno, code });
  };
  return (input, flush) => {
    if (internals._handle === null) throw new Error('zlib stream closed');
    let parts: Buffer[] | null = null;
    let one: Buffer | null = null;
    let total = 0;
    let inOff = 0;
    let inLen = input.length;
    for (;;) {
      handle.writeSync(flush, input, inOff, inLen, scratch, 0, scratch.length);
      if (failure !== null) throw failure;
      const availOut = state[0]!;
      const availIn = state[1]!;
      const have = scratch.length - availOut;
      if (have > 0) {
        const part = Buffer.from(scratch.subarray(0, have));
        total += have;
        if (one === null) one = part;
        else (parts ??= [one]).push(part);
      }
      inOff += inLen - availIn;
      inLen = availIn;
      // A full output buffer: zlib may have more to give.
      if (availOut !== 0) break;
    }
    if (parts !== null) return Buffer.concat(parts, total);
    return one ?? EMPTY;
  }
}

const EMPTY = Buffer.alloc(0);
const ignore = (): void => {};

export class DeflateSocket extends Duplex {
  /** The compressor, made at the first write after the start or after it was freed for idleness. */
  private deflate: DeflateRaw | null = null;
  private compressStep: Step | null = null;
  private readonly deflateOptions: { level: number; windowBits: number; memLevel: number; chunkSize: number };
  private readonly idleMs: number;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly inflate: InflateRaw;
  private readonly inflateStep: Step;
  /** Compressed input not inflated yet (the reader is behind). */
  private readonly pending: Buffer[] = [];
  /** The last push was taken (the readable buffer is under its high-water mark). */
  private wantRead = true;
  private innerEnded = false;
  private corrupt = false;
  private readonly onCorruptInput: ((err: Error) => void) | undefined;

  /**
   * `inner`: the socket to compress over, its listeners already taken off. `early`: bytes read from
   * it before the switch that belong to the compressed stream (a pipelining client's next command).
   */
  constructor(readonly inner: Duplex, early: Buffer | null, options: DeflateSocketOptions = {}) {
    super({ allowHalfOpen: false });
    this.deflateOptions = {
      level: options.level ?? DEFLATE_OUTPUT.level,
      windowBits: options.windowBits ?? DEFLATE_OUTPUT.windowBits,
      memLevel: options.memLevel ?? DEFLATE_OUTPUT.memLevel,
      chunkSize: NODE_CHUNK,
    };
    this.idleMs = options.idleMs ?? DEFLATE_IDLE_MS;
    this.inflate = createInflateRaw({ chunkSize: NODE_CHUNK });
    this.inflateStep = syncStep(this.inflate);
    // The streams are only driven through their handles (syncStep): no event is expected of them.
    this.inflate.on('error', ignore);
    this.onCorruptInput = options.onCorruptInput;
    inner.on('data', this.onInnerData);
    inner.on('end', this.onInnerEnd);
    inner.on('error', this.onInnerError);
    inner.on('close', this.onInnerClose);
    if (early !== null && early.length > 0) this.pending.push(early);
    if (inner.isPaused()) inner.resume();
    this.inflatePending();
  }

  get remoteAddress(): string | undefined {
    return (this.inner as { remoteAddress?: string }).remoteAddress;
  }

  get remotePort(): number | undefined {
    return (this.inner as { remotePort?: number }).remotePort;
  }

  get localAddress(): string | undefined {
    return (this.inner as { localAddress?: string }).localAddress;
  }

  setNoDelay(noDelay?: boolean): this {
    (this.inner as { setNoDelay?: (v?: boolean) => unknown }).setNoDelay?.(noDelay);
    return this;
  }

  /** Pausing stops the inner socket too: what the peer sends meanwhile stays in the kernel. */
  override pause(): this {
    super.pause();
    this.inner.pause();
    return this;
  }

  override resume(): this {
    super.resume();
    if (this.wantRead && !this.corrupt && !this.innerEnded) this.inner.resume();
    return this;
  }

  override _read(): void {
    this.wantRead = true;
    this.inflatePending();
    if (this.wantRead && !this.isPaused() && !this.corrupt && !this.innerEnded) this.inner.resume();
  }

  private readonly onInnerData = (chunk: Buffer): void => {
    this.pending.push(chunk);
    this.inflatePending();
  };

  private readonly onInnerEnd = (): void => {
    this.innerEnded = true;
    this.inflatePending();
  };

  private readonly onInnerError = (err: Error): void => {
    this.destroy(err);
  };

  private readonly onInnerClose = (): void => {
    this.destroy();
  };

  /** Inflate what waits while the reader takes it; the end of input once it is all out. */
  private inflatePending(): void {
    const pending = this.pending;
    while (pending.length > 0) {
      if (this.corrupt || this.destroyed) return;
      if (!this.wantRead) {
        this.inner.pause();
        return;
      }
      const head = pending[0]!;
      let piece = head;
      if (head.length > INFLATE_SLICE) {
        piece = head.subarray(0, INFLATE_SLICE);
        pending[0] = head.subarray(INFLATE_SLICE);
      } else pending.shift();
      let out: Buffer;
      try {
        out = this.inflateStep(piece, constants.Z_SYNC_FLUSH);
      } catch (err) {
        this.inputCorrupt(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (out.length > 0) this.wantRead = this.push(out);
    }
    if (this.innerEnded && !this.corrupt && !this.destroyed && !this.readableEnded) this.push(null);
  }

  private inputCorrupt(cause: Error): void {
    this.corrupt = true;
    this.pending.length = 0;
    this.inner.off('data', this.onInnerData);
    this.inner.pause();
    const err = Object.assign(new Error(`invalid compressed input: ${cause.message}`), { code: 'ERR_DEFLATE_INPUT' });
    if (this.onCorruptInput) this.onCorruptInput(err);
    else this.destroy(err);
  }

  /** Whether a compressor is held now (it is freed after idleMs without a write). */
  get compressorHeld(): boolean {
    return this.deflate !== null;
  }

  private compressor(): Step {
    if (this.compressStep === null) {
      this.deflate = createDeflateRaw(this.deflateOptions);
      this.deflate.on('error', ignore);
      this.compressStep = syncStep(this.deflate);
    }
    if (this.idleTimer === null) {
      this.idleTimer = setTimeout(this.releaseIfIdle, this.idleMs);
      this.idleTimer.unref();
    } else this.idleTimer.refresh();
    return this.compressStep;
  }

  private readonly releaseIfIdle = (): void => {
    this.idleTimer = null;
    this.deflate?.close();
    this.deflate = null;
    this.compressStep = null;
  };

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    // Every earlier write's callback has run (they come one at a time): the spot is reached.
    if (chunk.length === 0) return callback();
    let out: Buffer;
    try {
      out = this.compressor()(chunk, constants.Z_SYNC_FLUSH);
    } catch (err) {
      return callback(err instanceof Error ? err : new Error(String(err)));
    }
    this.inner.write(out, (err?: Error | null) => callback(err ?? null));
  }

  /** end(): the stream's last block, then the inner socket's FIN. */
  override _final(callback: (err?: Error | null) => void): void {
    let out: Buffer | null = FINAL_BLOCK;
    if (this.compressStep !== null) {
      try {
        out = this.compressStep(EMPTY, constants.Z_FINISH);
      } catch {
        out = null;
      }
    }
    if (out !== null && out.length > 0 && this.inner.writable) this.inner.write(out);
    if (this.inner.writable) this.inner.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    const inner = this.inner;
    inner.off('data', this.onInnerData);
    inner.off('end', this.onInnerEnd);
    inner.off('close', this.onInnerClose);
    // The inner socket's late errors (a reset after the destroy) stay heard and ignored.
    inner.off('error', this.onInnerError);
    inner.on('error', ignore);
    this.pending.length = 0;
    if (!inner.destroyed) inner.destroy();
    // zlib's memory is freed now, not when the collector finds the streams.
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.releaseIfIdle();
    this.inflate.close();
    callback(err);
  }
}
