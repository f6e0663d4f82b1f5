/**
 * The `xlist-FLAG: folder` family (Cyrus's name, kept for old config files): an autocreated
 * folder named `folder` gets the special-use attribute \FLAG. FLAG is one of RFC 6154's
 * attributes or one named in specialuse_extra; any other is a warning and is ignored.
 */

/** RFC 6154's special-use attributes, in their canonical spelling. */
const RFC6154_ATTRIBUTES: readonly string[] = ['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash'];

/** Lowercase name without the backslash ("sent") → canonical attribute ("\\Sent"). */
export function specialUseNames(extra: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const use of [...RFC6154_ATTRIBUTES, ...extra]) {
    const bare = use.replace(/^\\/, '');
    if (bare !== '' && !names.has(bare.toLowerCase())) names.set(bare.toLowerCase(), `\\${bare}`);
  }
  return names;
}
