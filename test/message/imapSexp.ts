/**
 * Test-local helpers for the differential test: parse an IMAP FETCH answer into plain values
 * (string | number | null | list) and turn our ENVELOPE / BODYSTRUCTURE data into the same shape.
 * This is not the server's serializer (the IMAP layer owns that); it only makes comparison possible.
 */
import type { Address, BodyParams, BodyPart, Envelope } from '../../src/message/types.js';

export type Sexp = string | number | null | Sexp[];

/** Parse the parenthesised data of `* n FETCH (...)` (literals included) into a list. */
export function parseFetch(text: string): Sexp[] {
  const bytes = Buffer.from(text, 'utf8');
  let pos = bytes.indexOf('(');
  const read = (): Sexp => {
    while (bytes[pos] === 0x20) pos++;
    const c = String.fromCharCode(bytes[pos]!);
    if (c === '(') {
      pos++;
      const list: Sexp[] = [];
      for (;;) {
        while (bytes[pos] === 0x20) pos++;
        if (bytes[pos] === 0x29) {
          pos++;
          return list;
        }
        list.push(read());
      }
    }
    if (c === '"') {
      pos++;
      const start = pos;
      const parts: Buffer[] = [];
      let from = start;
      while (bytes[pos] !== 0x22) {
        if (bytes[pos] === 0x5c) {
          parts.push(bytes.subarray(from, pos));
          pos++;
          from = pos;
        }
        pos++;
      }
      parts.push(bytes.subarray(from, pos));
      pos++;
      return Buffer.concat(parts).toString('utf8');
    }
    if (c === '{') {
      const close = bytes.indexOf('}', pos);
      const length = Number(bytes.toString('latin1', pos + 1, close));
      const start = close + 3;
      pos = start + length;
      return bytes.toString('utf8', start, start + length);
    }
    const start = pos;
    while (pos < bytes.length && bytes[pos] !== 0x20 && bytes[pos] !== 0x29 && bytes[pos] !== 0x28) pos++;
    const atom = bytes.toString('latin1', start, pos);
    if (atom === 'NIL') return null;
    return /^\d+$/.test(atom) ? Number(atom) : atom;
  };
  return read() as Sexp[];
}

/** The value following `name` in a FETCH attribute list. */
export function fetchItem(list: Sexp[], name: string): Sexp {
  for (let i = 0; i < list.length; i += 2) if (list[i] === name) return list[i + 1]!;
  throw new Error(`no ${name} in FETCH answer`);
}

function addresses(list: Address[] | null): Sexp {
  return list === null ? null : list.map((a) => [a.name, a.adl, a.mailbox, a.host]);
}

export function envelopeSexp(envelope: Envelope): Sexp {
  return [
    envelope.date, envelope.subject, addresses(envelope.from), addresses(envelope.sender),
    addresses(envelope.replyTo), addresses(envelope.to), addresses(envelope.cc), addresses(envelope.bcc),
    envelope.inReplyTo, envelope.messageId,
  ];
}

function params(list: BodyParams): Sexp {
  return list === null ? null : list.flat();
}

export function bodyStructureSexp(part: BodyPart): Sexp {
  const extension: Sexp[] = [
    part.disposition === null ? null : [part.disposition.type, params(part.disposition.params)],
    part.language,
    part.location,
  ];
  if (part.parts !== undefined) {
    return [...part.parts.map(bodyStructureSexp), part.subtype, params(part.params), ...extension];
  }
  const fields: Sexp[] = [part.type, part.subtype, params(part.params), part.id, part.description, part.encoding, part.size];
  if (part.envelope !== undefined && part.body !== undefined) {
    fields.push(envelopeSexp(part.envelope), bodyStructureSexp(part.body), part.lines ?? 0);
  } else if (part.lines !== undefined) {
    fields.push(part.lines);
  }
  return [...fields, part.md5, ...extension];
}
