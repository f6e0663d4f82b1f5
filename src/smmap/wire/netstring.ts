/**
 * Netstrings (the socketmap framing: "<length>:<bytes>,", length in decimal ASCII), read
 * resumably: bytes go in as they arrive, whole payloads come out, in order. A framing error is
 * final (after it nothing can be found again in the stream): the reader says why and stops.
 * A declared length over `maxLength` is refused as soon as its digits say so, before any payload
 * is held. No I/O.
 */

export type NetstringEvent =
  | { readonly kind: 'payload'; readonly bytes: Buffer }
  | { readonly kind: 'error'; readonly reason: string };

/** Where the reader is in the current netstring. */
type ReadState =
  | { readonly at: 'length'; readonly digits: number; readonly length: number }
  | { readonly at: 'payload'; readonly length: number }
  | { readonly at: 'comma' }
  | { readonly at: 'failed' };

const COLON = 0x3a;
const COMMA = 0x2c;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

export class NetstringReader {
  private state: ReadState = { at: 'length', digits: 0, length: 0 };
  /** Payload bytes of the current netstring received so far. */
  private parts: Buffer[] = [];
  private held = 0;

  constructor(private readonly maxLength: number) {}

  /** True after a framing error: nothing more is read. */
  get failed(): boolean {
    return this.state.at === 'failed';
  }

  /** True when a netstring has been started and not finished (a client that hangs up here cut a request). */
  get midway(): boolean {
    return this.state.at !== 'failed' && !(this.state.at === 'length' && this.state.digits === 0);
  }

  /** Feed bytes; the payloads (and at most one error, the last event) they complete. */
  push(chunk: Buffer): NetstringEvent[] {
    const events: NetstringEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      const state = this.state;
      if (state.at === 'failed') break;
      if (state.at === 'length') {
        const byte = chunk[i]!;
        i++;
        if (byte >= DIGIT_0 && byte <= DIGIT_9) {
          const length = state.length * 10 + (byte - DIGIT_0);
          if (length > this.maxLength) return this.fail(events, `request longer than ${this.maxLength} bytes`);
          this.state = { at: 'length', digits: state.digits + 1, length };
        } else if (byte === COLON && state.digits > 0) {
          this.state = state.length === 0 ? { at: 'comma' } : { at: 'payload', length: state.length };
        } else {
          return this.fail(events, state.digits === 0 ? 'not a netstring (length expected)' : 'not a netstring (":" expected after the length)');
        }
      } else if (state.at === 'payload') {
        const take = Math.min(state.length - this.held, chunk.length - i);
        this.parts.push(chunk.subarray(i, i + take));
        this.held += take;
        i += take;
        if (this.held === state.length) this.state = { at: 'comma' };
      } else {
        const byte = chunk[i]!;
        i++;
        if (byte !== COMMA) return this.fail(events, 'not a netstring ("," expected after the payload)');
        events.push({ kind: 'payload', bytes: Buffer.concat(this.parts) });
        this.parts = [];
        this.held = 0;
        this.state = { at: 'length', digits: 0, length: 0 };
      }
    }
    return events;
  }

  private fail(events: NetstringEvent[], reason: string): NetstringEvent[] {
    this.state = { at: 'failed' };
    this.parts = [];
    this.held = 0;
    events.push({ kind: 'error', reason });
    return events;
  }
}

/** One netstring holding `text` (UTF-8). */
export function netstring(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from(`${payload.length}:`, 'latin1'), payload, Buffer.from(',', 'latin1')]);
}
