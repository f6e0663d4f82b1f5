/**
 * What a committed append tells the processes that hear of it (issue 16, IDLE push): the mailbox
 * (uniqueid, UIDVALIDITY), its highest modseq just before and just after the append's transaction,
 * and the UIDs it gave, which are always consecutive. A session whose view is exactly the state
 * before can number the new messages and say `* N EXISTS` from these alone, without reading the
 * index first; any other session syncs from the index as for any change.
 *
 * They travel on the change line of the notification channel as one short string
 * (`encodeAppendFacts`), parsed without JSON.
 */
export interface AppendFacts {
  uniqueId: string;
  uidValidity: number;
  /** The mailbox's highest modseq before the append (the state a session must be at to use these). */
  modseqBefore: number;
  /** Its highest modseq after it: every appended record's modseq. */
  modseqAfter: number;
  /** The UIDs appended: firstUid..lastUid, every one of them (the mailbox's uidnext was firstUid). */
  firstUid: number;
  lastUid: number;
  /** Some appended message carries a keyword (a session may have to say FLAGS first: no shortcut). */
  keywords: boolean;
}

/** A uniqueid that can ride the line as it is (no separator, quote, backslash or control character). */
const PLAIN_ID = /^[A-Za-z0-9._:@+-]{1,128}$/;

/** The facts as one string of the change line ("uniqueid uidvalidity before after first last k"); null when they cannot be. */
export function encodeAppendFacts(facts: AppendFacts): string | null {
  if (!PLAIN_ID.test(facts.uniqueId)) return null;
  return `${facts.uniqueId} ${facts.uidValidity} ${facts.modseqBefore} ${facts.modseqAfter} ${facts.firstUid} ${facts.lastUid} ${facts.keywords ? 1 : 0}`;
}

/** The facts of a change line's string; null when it does not read as such (the change is told without them). */
export function decodeAppendFacts(text: string): AppendFacts | null {
  const parts = text.split(' ');
  if (parts.length !== 7 || !PLAIN_ID.test(parts[0]!)) return null;
  const n = [0, 0, 0, 0, 0];
  for (let i = 0; i < 5; i++) {
    const v = Number(parts[i + 1]);
    if (!Number.isSafeInteger(v) || v < 0) return null;
    n[i] = v;
  }
  const [uidValidity, modseqBefore, modseqAfter, firstUid, lastUid] = n as [number, number, number, number, number];
  if (modseqAfter <= modseqBefore || firstUid < 1 || lastUid < firstUid || (parts[6] !== '0' && parts[6] !== '1')) return null;
  return { uniqueId: parts[0]!, uidValidity, modseqBefore, modseqAfter, firstUid, lastUid, keywords: parts[6] === '1' };
}
