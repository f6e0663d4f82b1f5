/**
 * extlists (RFC 6134): the names of the externally stored lists this server resolves. A list is
 * one of the user's address books, named as Cyrus 3.6 names them: "urn:ietf:params:sieve:addrbook:NAME"
 * or its short form ":addrbook:NAME" (percent-encoded characters decoded), "default" in any case
 * being the book "Default". What a book holds is the caller's (the language only asks
 * SieveEnvironment.listContains / listExists); this file only reads the names.
 */

/** The list-name prefix ManageSieve's EXTLISTS capability announces (RFC 6134 2.9, as Cyrus does). */
export const ADDRBOOK_URN = 'urn:ietf:params:sieve:addrbook';

const PREFIXES = [`${ADDRBOOK_URN}:`, ':addrbook:'];

/**
 * The address book a list name names ("Default", "Friends"), or null when the name is not one this
 * server resolves: another URI scheme, an empty book name, or one that cannot be a mailbox name
 * component (".", "/", wildcards, control characters).
 */
export function addressBookOf(list: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(list);
  } catch {
    return null;
  }
  const prefix = PREFIXES.find((p) => decoded.slice(0, p.length).toLowerCase() === p);
  if (prefix === undefined) return null;
  const book = decoded.slice(prefix.length);
  if (book === '' || /[./%*\\\x00-\x1f\x7f]/.test(book)) return null;
  return book.toLowerCase() === 'default' ? 'Default' : book;
}

/** The error for a list name this server does not resolve (compile time for a constant, else run time). */
export function unsupportedList(owner: string, list: string): string {
  return `${owner}: "${list}" is not a list this server knows (use "${ADDRBOOK_URN}:NAME" or ":addrbook:NAME", such as ":addrbook:default")`;
}
