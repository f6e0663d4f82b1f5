/** imap4flags (RFC 5232): flag lists as space-separated names, system flags in their usual case. */

const systemFlags = new Map(['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '\\Recent'].map((f) => [f.toLowerCase(), f]));

/** Split, give system flags their usual case, drop duplicates (compared case-insensitively). */
export function normaliseFlags(values: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const value of values) {
    for (const word of value.split(/[ \t\r\n]+/)) {
      if (word === '') continue;
      const lower = word.toLowerCase();
      if (seen.has(lower)) continue;
      seen.add(lower);
      out.push(systemFlags.get(lower) ?? word);
    }
  }
  return out;
}

export function addFlags(current: readonly string[], more: readonly string[]): string[] {
  return normaliseFlags([...current, ...more]);
}

export function removeFlags(current: readonly string[], gone: readonly string[]): string[] {
  const drop = new Set(normaliseFlags(gone).map((f) => f.toLowerCase()));
  return current.filter((f) => !drop.has(f.toLowerCase()));
}
