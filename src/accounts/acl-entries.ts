/** Rewriting the ACL entries that name one identifier, in every mailbox of the server. */
import { parseAcl } from '../acl/index.js';
import type { MailboxEntry, MailStore } from '../store/index.js';

function formatAcl(entries: ReadonlyArray<readonly [string, string]>): string {
  return entries.map(([id, rights]) => `${id}\t${rights}\t`).join('');
}

/**
 * The ACL with `from`'s entries ("from" and "-from") given to `to` ("to", "-to"), or removed when
 * `to` is null. A renamed entry takes the place of an entry `to` already had. Null: no change.
 */
export function aclWithIdentifier(acl: string, from: string, to: string | null): string | null {
  const entries = parseAcl(acl);
  const renamed = (id: string): string | null => {
    if (id === from) return to;
    if (id === `-${from}`) return to === null ? null : `-${to}`;
    return id;
  };
  if (!entries.some(([id]) => renamed(id) !== id)) return null;
  const replaced = new Set(entries.filter(([id]) => renamed(id) !== id).map(([id]) => renamed(id)).filter((id) => id !== null));
  const out: Array<[string, string]> = [];
  for (const [id, rights] of entries) {
    const next = renamed(id);
    if (next === null) continue;
    if (next === id && replaced.has(id)) continue; // `to`'s old entry gives way to the renamed one
    out.push([next, rights]);
  }
  return formatAcl(out);
}

/**
 * Rename (`to`) or remove (`to` null) the ACL entries naming `from` in every mailbox of the
 * server (those `include` accepts); returns the names of the mailboxes changed.
 */
export function rewriteAclEntries(store: MailStore, from: string, to: string | null, include: (entry: MailboxEntry) => boolean = () => true): string[] {
  const changed: string[] = [];
  for (const entry of store.mailboxesWithAclFor(from)) {
    if (!include(entry)) continue;
    const acl = aclWithIdentifier(entry.acl, from, to);
    if (acl === null) continue;
    store.setAcl(entry.name, acl);
    changed.push(entry.name);
  }
  return changed;
}
