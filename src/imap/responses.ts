/** Small response builders shared by several commands. */
import type { MessageRecord } from '../mailbox/index.js';
import { flagList } from './wire/serialize/strings.js';

/** The unsolicited or STORE-triggered `* n FETCH (UID u FLAGS (...))`. */
export function fetchFlagsLine(seq: number, record: MessageRecord, flags: readonly string[]): string {
  return `* ${seq} FETCH (UID ${record.uid} FLAGS ${flagList(flags)})`;
}

/** The flags a mailbox offers: system flags plus its keywords. */
export function mailboxFlags(keywords: readonly string[]): string[] {
  return ['\\Answered', '\\Flagged', '\\Draft', '\\Deleted', '\\Seen', ...keywords];
}

/** `* FLAGS` and `* OK [PERMANENTFLAGS]` (none permanent when read-only; `\*`: new keywords allowed). */
export function flagsLines(keywords: readonly string[], readOnly: boolean): string[] {
  const flags = mailboxFlags(keywords);
  return [`* FLAGS ${flagList(flags)}`, `* OK [PERMANENTFLAGS ${readOnly ? '()' : flagList([...flags, '\\*'])}] Ok`];
}
