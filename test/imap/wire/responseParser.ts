/**
 * A small, independent reader of IMAP response data for round-trip tests: NIL, atoms (numbers too),
 * quoted strings, literals ({n} with n in UTF-8 bytes) and parenthesised lists.
 */
export type Value = null | string | Value[];

export function readValues(text: string): Value[] {
  const bytes = Buffer.from(text, 'utf8');
  let i = 0;
  const values: Value[] = [];

  function value(): Value {
    const c = bytes[i]!;
    if (c === 0x28) {
      i++;
      const list: Value[] = [];
      while (bytes[i] !== 0x29) {
        if (i >= bytes.length) throw new Error('unterminated list');
        list.push(value());
        if (bytes[i] === 0x20) i++;
      }
      i++;
      return list;
    }
    if (c === 0x22) {
      let out = '';
      i++;
      while (bytes[i] !== 0x22) {
        if (i >= bytes.length) throw new Error('unterminated quoted');
        if (bytes[i] === 0x5c) i++;
        out += String.fromCharCode(bytes[i]!);
        i++;
      }
      i++;
      return out;
    }
    if (c === 0x7b) {
      const close = bytes.indexOf(0x7d, i);
      const n = Number(bytes.toString('latin1', i + 1, close));
      if (bytes[close + 1] !== 0x0d || bytes[close + 2] !== 0x0a) throw new Error('literal without CRLF');
      const start = close + 3;
      i = start + n;
      return bytes.toString('utf8', start, start + n);
    }
    const start = i;
    while (i < bytes.length && bytes[i] !== 0x20 && bytes[i] !== 0x29 && bytes[i] !== 0x28) i++;
    const atom = bytes.toString('latin1', start, i);
    if (atom === 'NIL') return null;
    return atom;
  }

  while (i < bytes.length) {
    values.push(value());
    if (bytes[i] === 0x20) i++;
  }
  return values;
}
