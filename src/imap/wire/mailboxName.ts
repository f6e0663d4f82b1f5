/** Mailbox-name helpers for handlers: INBOX is case-insensitive (RFC 3501 5.1). */

/**
 * `inbox`, `Inbox`... become `INBOX`, and so does the INBOX prefix of a child (`inbox.Sent` with
 * separator "."); other names are returned unchanged.
 */
export function normalizeInbox(name: string, separator: string | null): string {
  if (name.length < 5 || name.slice(0, 5).toUpperCase() !== 'INBOX') return name;
  if (name.length === 5) return 'INBOX';
  if (separator !== null && name.startsWith(separator, 5)) return `INBOX${name.slice(5)}`;
  return name;
}
