/**
 * Untagged data responses: CAPABILITY FLAGS EXISTS RECENT EXPUNGE FETCH (flag updates) LIST LSUB
 * STATUS NAMESPACE SEARCH ESEARCH ENABLED ID.
 */
import type { StatusItem } from '../parse/types.js';
import { formatSequenceSet, formatSortedSet, spacedNumbers } from '../sequence.js';
import { astring, flagList, imapString, nstring } from './strings.js';

export const capabilityResponse = (capabilities: readonly string[]): string => `* CAPABILITY ${capabilities.join(' ')}\r\n`;
export const flagsResponse = (flags: Iterable<string>): string => `* FLAGS ${flagList(flags)}\r\n`;
export const existsResponse = (count: number): string => `* ${count} EXISTS\r\n`;
export const recentResponse = (count: number): string => `* ${count} RECENT\r\n`;
export const expungeResponse = (sequenceNumber: number): string => `* ${sequenceNumber} EXPUNGE\r\n`;
/** The unsolicited or STORE-triggered `* n FETCH (UID u FLAGS (...))`; MODSEQ too once CONDSTORE is on. */
export function fetchFlagsResponse(sequenceNumber: number, uid: number, flags: Iterable<string>, modseq?: number): string {
  const tail = modseq === undefined ? '' : ` MODSEQ (${modseq})`;
  return `* ${sequenceNumber} FETCH (UID ${uid} FLAGS ${flagList(flags)}${tail})\r\n`;
}
/** `* VANISHED [(EARLIER) ]uid-set` (RFC 7162 3.2.10); `uids` ascending. */
export const vanishedResponse = (uids: readonly number[], earlier: boolean): string =>
  `* VANISHED ${earlier ? '(EARLIER) ' : ''}${formatSortedSet(uids)}\r\n`;
/** `* n FETCH (UID u MODSEQ (m))`: a STORE .SILENT's new modseq under CONDSTORE (RFC 7162 3.1.3). */
export const fetchModseqResponse = (sequenceNumber: number, uid: number, modseq: number): string =>
  `* ${sequenceNumber} FETCH (UID ${uid} MODSEQ (${modseq}))\r\n`;
export const enabledResponse = (capabilities: readonly string[]): string =>
  capabilities.length ? `* ENABLED ${capabilities.join(' ')}\r\n` : '* ENABLED\r\n';

/** The mailbox name in LIST/LSUB/STATUS: INBOX bare, others as astring. Names are already mUTF-7. */
export function mailboxName(name: string): string {
  return name === 'INBOX' ? 'INBOX' : astring(name);
}

interface ListEntry {
  /** Name attributes: \HasChildren \Noselect \Subscribed \Sent ... */
  attributes: readonly string[];
  /** Hierarchy delimiter; null for a flat namespace. */
  delimiter: string | null;
  mailbox: string;
  /** CHILDINFO (RFC 5258): the selection criteria a descendant matched, e.g. ['SUBSCRIBED']. */
  childInfo?: readonly string[];
  /** OLDNAME (RFC 5465 / IMAP4rev2) after a rename. */
  oldName?: string;
}

/** `* LIST (attrs) "delim" name [(extended data)]`; LSUB the same with LSUB. */
export function listResponse(entry: ListEntry, command: 'LIST' | 'LSUB' | 'XLIST' = 'LIST'): string {
  const extended: string[] = [];
  if (entry.childInfo && entry.childInfo.length > 0) {
    extended.push(`"CHILDINFO" (${entry.childInfo.map(imapString).join(' ')})`);
  }
  if (entry.oldName !== undefined) extended.push(`"OLDNAME" (${mailboxName(entry.oldName)})`);
  const tail = extended.length ? ` (${extended.join(' ')})` : '';
  return `* ${command} (${entry.attributes.join(' ')}) ${nstring(entry.delimiter)} ${mailboxName(entry.mailbox)}${tail}\r\n`;
}

/** `* STATUS name (ITEM n ...)` in the order given. */
export function statusResponse(mailbox: string, values: ReadonlyArray<readonly [StatusItem, number | bigint | string | null]>): string {
  return `* STATUS ${mailboxName(mailbox)} (${values.map(([item, value]) => `${item} ${value ?? 'NIL'}`).join(' ')})\r\n`;
}

export interface NamespaceDescription {
  prefix: string;
  delimiter: string | null;
}

function namespaceList(list: readonly NamespaceDescription[] | null): string {
  if (list === null || list.length === 0) return 'NIL';
  return `(${list.map((ns) => `(${imapString(ns.prefix)} ${nstring(ns.delimiter)})`).join('')})`;
}

/** `* NAMESPACE personal other shared` (RFC 2342). */
export function namespaceResponse(
  personal: readonly NamespaceDescription[] | null,
  otherUsers: readonly NamespaceDescription[] | null,
  shared: readonly NamespaceDescription[] | null,
): string {
  return `* NAMESPACE ${namespaceList(personal)} ${namespaceList(otherUsers)} ${namespaceList(shared)}\r\n`;
}

/** `* SEARCH n n n` (numbers in the order given). */
/** `* SEARCH 2 5`; with `modseq` (a MODSEQ key found something, RFC 7162): `* SEARCH 2 5 (MODSEQ 917)`. */
/** `* SORT 5 3 4`, in the sorted order; `modseq` as for SEARCH (RFC 7162 3.1.5). */
export function sortResponse(numbers: readonly number[], modseq?: number): string {
  if (!numbers.length) return '* SORT\r\n';
  return `* SORT ${spacedNumbers(numbers)}${modseq === undefined ? '' : ` (MODSEQ ${modseq})`}\r\n`;
}

/** `* THREAD (2)(3 6 (4 23))`; `threads` already in RFC 5256 thread-list form. */
export const threadResponse = (threads: string): string => (threads === '' ? '* THREAD\r\n' : `* THREAD ${threads}\r\n`);

export function searchResponse(numbers: readonly number[], modseq?: number): string {
  if (!numbers.length) return '* SEARCH\r\n';
  return `* SEARCH ${joinNumbers(numbers)}${modseq === undefined ? '' : ` (MODSEQ ${modseq})`}\r\n`;
}

/**
 * Non-negative integers separated by spaces. Digits written into a byte buffer: join() makes a
 * string per number, which on the 50,000 hits of a SEARCH UNSEEN costs several milliseconds.
 */
export function joinNumbers(numbers: readonly number[]): string {
  if (numbers.length < 64) return numbers.join(' ');
  const out = Buffer.allocUnsafe(numbers.length * 17);
  let at = 0;
  for (let i = 0; i < numbers.length; i++) {
    if (i > 0) out[at++] = 32;
    let n = numbers[i]!;
    if (n > 0x7fffffff) {
      at += out.write(String(n), at, 'latin1');
      continue;
    }
    let digits = 1;
    for (let x = n; x >= 10; x = (x / 10) | 0) digits++;
    at += digits;
    for (let p = at; digits-- > 0; n = (n / 10) | 0) out[--p] = 48 + (n % 10);
  }
  return out.toString('latin1', 0, at);
}

export interface EsearchResult {
  tag: string;
  uid: boolean;
  min?: number;
  max?: number;
  count?: number;
  /** Matching numbers (sorted and compressed into a sequence set); omitted when empty (RFC 4731). */
  all?: readonly number[];
  /** ALL keeps its order (ESORT, RFC 5267): only ascending runs are compressed. */
  ordered?: boolean;
  /** The highest modseq of the matches when a MODSEQ key was used (RFC 7162 3.1.5). */
  modseq?: number;
  /** PARTIAL (RFC 9394): the range as requested and the results in it (NIL when none). */
  partial?: { range: string; numbers: readonly number[] };
}

/** `* ESEARCH (TAG "a1") UID MIN 1 MAX 9 COUNT 4 ALL 1:3,9` (RFC 4731). */
export function esearchResponse(result: EsearchResult): string {
  const out = [`* ESEARCH (TAG ${imapString(result.tag)})`];
  if (result.uid) out.push('UID');
  if (result.min !== undefined) out.push(`MIN ${result.min}`);
  if (result.max !== undefined) out.push(`MAX ${result.max}`);
  if (result.count !== undefined) out.push(`COUNT ${result.count}`);
  if (result.all !== undefined && result.all.length > 0) out.push(`ALL ${result.ordered ? formatSequenceSet(result.all) : formatSortedSet(result.all)}`);
  if (result.partial !== undefined) {
    const numbers = result.partial.numbers;
    const set = numbers.length === 0 ? 'NIL' : result.ordered ? formatSequenceSet(numbers) : formatSortedSet(numbers);
    out.push(`PARTIAL (${result.partial.range} ${set})`);
  }
  if (result.modseq !== undefined) out.push(`MODSEQ ${result.modseq}`);
  return `${out.join(' ')}\r\n`;
}

/** `* ID ("name" "value" ...)` or `* ID NIL` (RFC 2971). */
export function idResponse(parameters: ReadonlyArray<readonly [string, string | null]> | null): string {
  if (parameters === null || parameters.length === 0) return '* ID NIL\r\n';
  return `* ID (${parameters.map(([k, v]) => `${imapString(k)} ${nstring(v)}`).join(' ')})\r\n`;
}

