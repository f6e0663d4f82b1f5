/**
 * A message as it goes after DATA (RFC 5321 section 4.5.2): a line that begins with "." gets one
 * more, every line ends with CRLF (a bare LF becomes CRLF), and "." on a line of its own ends it.
 * No I/O here.
 */
const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

export function dotStuff(message: Buffer): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  while (start < message.length) {
    let nl = message.indexOf(LF, start);
    const last = nl < 0;
    if (last) nl = message.length;
    const end = nl > start && message[nl - 1] === CR ? nl - 1 : nl;
    if (message[start] === DOT) parts.push(Buffer.from('.'));
    parts.push(message.subarray(start, end), Buffer.from('\r\n'));
    start = nl + 1;
  }
  parts.push(Buffer.from('.\r\n'));
  return Buffer.concat(parts);
}
