/**
 * The values SORT compares (RFC 5256 section 2, DISPLAY from RFC 5957), from a message's parsed
 * envelope: the base subject, the sent time, the first address's mailbox or display form.
 */
import { decodeHeaderValue } from './searchText.js';
import type { Address } from './types.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONES: Record<string, number> = { UT: 0, GMT: 0, Z: 0, EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420 };

/** A trailing "(fwd)" with the white space before it (RFC 5256 subj-trailer). */
const TRAILER = /[ \t]*\(fwd\)[ \t]*$/i;
/** One subj-blob: "[" text without brackets "]" then white space. */
const BLOB = /^\[[^[\]]*\][ \t]*/;
/** subj-refwd: "re", "fw" or "fwd", white space, an optional blob, then ":" and white space. */
const REFWD = /^(?:re|fwd?)[ \t]*(?:\[[^[\]]*\][ \t]*)?:[ \t]*/i;

/** Leading white space, subj-refwd with the blobs before it, or a lone blob when text remains after it. */
function stripLeader(text: string): string {
  for (;;) {
    let rest = text.replace(/^[ \t]+/, '');
    // (subj-blob)* subj-refwd
    let probe = rest;
    while (BLOB.test(probe)) probe = probe.replace(BLOB, '');
    if (REFWD.test(probe)) rest = probe.replace(REFWD, '');
    else {
      const blob = BLOB.exec(rest);
      if (blob && rest.length > blob[0].length) rest = rest.slice(blob[0].length);
    }
    if (rest === text) return text;
    text = rest;
  }
}

/**
 * The base subject (RFC 5256 2.1): encoded words decoded, white space runs made one space, then
 * trailers "(fwd)", leaders "Re:", "Fwd:", "[list]" and the "[fwd: ...]" wrapper removed until none is left.
 */
export function baseSubject(subject: string | null): string {
  return subject === null ? '' : baseOfDecodedSubject(decodeHeaderValue(subject));
}

/** baseSubject of a subject whose encoded words are already decoded (decodeHeaderValue's result). */
export function baseOfDecodedSubject(decoded: string): string {
  let text = decoded.replace(/[\r\n]+/g, '').replace(/[ \t]+/g, ' ');
  for (;;) {
    let before: string;
    do {
      before = text;
      while (TRAILER.test(text)) text = text.replace(TRAILER, '');
      text = text.replace(/[ \t]+$/, '');
      text = stripLeader(text);
    } while (text !== before);
    if (/^\[fwd:/i.test(text) && text.endsWith(']')) {
      text = text.slice(5, -1);
      continue;
    }
    return text.trim();
  }
}

/** The instant a Date: header names, in ms since the epoch (zone applied); null when it names none. */
export function sentTime(value: string | null): number | null {
  if (value === null) return null;
  const text = value.replace(/\([^)]*\)/g, ' ');
  const m = /(\d{1,2})\s+([a-z]{3})[a-z]*\.?\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[a-z]{1,3})?/i.exec(text);
  if (!m) return null;
  const month = MONTHS.indexOf(m[2]!.toLowerCase());
  if (month < 0) return null;
  let year = Number(m[3]);
  if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3]!.length === 3) year += 1900;
  let zone = 0;
  const z = m[7];
  if (z && /^[+-]\d{4}$/.test(z)) zone = (z[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5)));
  else if (z) zone = ZONES[z.toUpperCase()] ?? 0;
  const time = Date.UTC(year, month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  return Number.isNaN(time) ? null : time - zone * 60_000;
}

/** The first real address of a list (group markers skipped). */
function firstAddress(addresses: readonly Address[] | null): Address | null {
  for (const a of addresses ?? []) if (a.mailbox !== null && a.host !== null) return a;
  return null;
}

/** SORT FROM / TO / CC: the local part of the first address, "" when there is none (RFC 5256). */
export function sortMailbox(addresses: readonly Address[] | null): string {
  return firstAddress(addresses)?.mailbox?.toLowerCase() ?? '';
}

/** SORT DISPLAYFROM / DISPLAYTO (RFC 5957): the first address's display name, decoded, else its addr-spec. */
export function sortDisplay(addresses: readonly Address[] | null): string {
  const a = firstAddress(addresses);
  if (a === null) return '';
  const name = a.name === null ? '' : decodeHeaderValue(a.name).trim();
  return (name !== '' ? name : `${a.mailbox}@${a.host}`).toLowerCase();
}
