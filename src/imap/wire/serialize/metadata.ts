/**
 * The METADATA response of RFC 5464 section 4.4.1: `* METADATA mailbox (entry value ...)`. Values
 * go out as quoted strings when short printable 7-bit text, as literals otherwise, and as literal8
 * (`~{n}`) when they hold a NUL; NIL for an entry without a value. Bytes, as values may be binary.
 */
import { imapString, MAX_QUOTED_LENGTH } from './strings.js';
import { mailboxName } from './lists.js';

function value(bytes: Buffer | null): Buffer {
  if (bytes === null) return Buffer.from('NIL');
  let quotable = bytes.length <= MAX_QUOTED_LENGTH;
  let nul = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0) nul = true;
    if (c === 0 || c === 0x0a || c === 0x0d || c > 0x7f) quotable = false;
  }
  if (quotable) return Buffer.from(imapString(bytes.toString('latin1')), 'latin1');
  return Buffer.concat([Buffer.from(`${nul ? '~' : ''}{${bytes.length}}\r\n`), bytes]);
}

/** The whole untagged response, CRLF included; `mailbox` as the client names it ("" for the server). */
export function metadataResponse(mailbox: string, entries: ReadonlyArray<readonly [string, Buffer | null]>): Buffer {
  const parts: Buffer[] = [Buffer.from(`* METADATA ${mailbox === '' ? '""' : mailboxName(mailbox)} (`)];
  entries.forEach(([entry, bytes], k) => {
    parts.push(Buffer.from(`${k > 0 ? ' ' : ''}${imapString(entry)} `), value(bytes));
  });
  parts.push(Buffer.from(')\r\n'));
  return Buffer.concat(parts);
}
