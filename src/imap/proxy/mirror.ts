/**
 * The frontend's mailbox list after a relayed command changed the Murder's: the mirror shows the
 * change before the client hears OK (a LIST right after a CREATE sees the new mailbox), from what
 * the frontend knows or asks the backend; the mupdate slave's stream confirms it later.
 */
import { inheritedAcl, missingAncestors } from '../../accounts/index.js';
import type { MailboxEntry, MailStore } from '../../store/index.js';
import type { ImapDeps } from '../deps.js';
import type { Identity } from '../../auth/index.js';
import type { TaggedResponse } from './backend.js';
import type { Placement } from './placement.js';

/** What mirror updates need of the proxy: a command for its own use on a backend. */
export interface QuietRelay {
  quietly(server: string, text: string, onUntagged?: (bytes: Buffer) => void): Promise<TaggedResponse | null>;
}

/** A relayed CREATE succeeded: the mailbox and the ancestors the backend made with it, with the ACL they got. */
export function afterCreate(deps: ImapDeps, internal: string, place: Placement): void {
  const store = deps.store;
  const acl = inheritedAcl(store, deps.config, internal);
  for (const name of [...missingAncestors(store, internal), internal]) {
    if (store.lookup(name) === null) store.putRemoteEntry({ name, server: place.server, partition: place.partition, acl });
  }
}

/** A relayed DELETE succeeded: the mailbox, and for a user's INBOX (a user deleted) all of the user's on that backend. */
export function afterDelete(store: MailStore, entry: MailboxEntry): void {
  store.removeRemoteEntry(entry.name);
  if (!/^(?:[^!]*!)?user\.[^.]+$/.test(entry.name)) return;
  for (const child of store.remoteEntries()) {
    if (child.name.startsWith(`${entry.name}.`) && child.server === entry.server) store.removeRemoteEntry(child.name);
  }
}

/**
 * A relayed RENAME succeeded: the mailbox and those below it move to the new name on the same
 * backend. Renaming an INBOX moves its messages to a new mailbox and leaves the INBOX (and its children) where it was.
 */
export function afterRename(store: MailStore, source: MailboxEntry, to: string, inbox: boolean): void {
  const moved = inbox ? [source] : [source, ...store.remoteEntries().filter((e) => e.name.startsWith(`${source.name}.`))];
  for (const entry of moved) {
    const name = to + entry.name.slice(source.name.length);
    store.putRemoteEntry({ name, server: entry.server!, partition: entry.partition, acl: entry.acl });
    if (!inbox) store.removeRemoteEntry(entry.name);
  }
}

/**
 * A relayed XFER succeeded: the mailbox (for a user's INBOX, every one of the user's that was on
 * the same backend) is on `target` now. Entries the mupdate slave has already moved are left as
 * it wrote them (it knows the partition the target chose).
 */
export function afterXfer(store: MailStore, source: MailboxEntry, target: string, partition: string | null, wholeUser: boolean): void {
  const moved = wholeUser ? store.remoteEntries().filter((e) => e.name === source.name || e.name.startsWith(`${source.name}.`)) : [source];
  for (const entry of moved) {
    if (entry.server !== source.server) continue;
    store.putRemoteEntry({ name: entry.name, server: target, partition: partition ?? entry.partition, acl: entry.acl });
  }
}

/** A relayed SETACL/DELETEACL succeeded: the mirror takes the ACL the backend now has (GETACL). */
export async function refreshAcl(proxy: QuietRelay, store: MailStore, entry: MailboxEntry, external: string): Promise<void> {
  const found: { acl: string | null } = { acl: null };
  const answer = await proxy.quietly(entry.server!, `GETACL ${quoted(external)}`, (bytes) => {
    const words = imapWords(bytes);
    if (words.length >= 3 && words[0] === '*' && words[1]!.toUpperCase() === 'ACL') {
      const pairs = words.slice(3);
      let text = '';
      for (let i = 0; i + 1 < pairs.length; i += 2) text += `${pairs[i]}\t${pairs[i + 1]}\t`;
      found.acl = text;
    }
  });
  if (answer?.status !== 'OK' || found.acl === null) return;
  store.putRemoteEntry({ name: entry.name, server: entry.server!, partition: entry.partition, acl: found.acl });
}

/**
 * The user's subscriptions as the INBOX's backend keeps them (LSUB there), copied into the
 * frontend's own list, so that LIST (SUBSCRIBED) here answers as the backend would.
 */
export async function refreshSubscriptions(proxy: QuietRelay, deps: ImapDeps, identity: Identity, server: string): Promise<void> {
  const names = new Set<string>();
  const answer = await proxy.quietly(server, 'LSUB "" "*"', (bytes) => {
    const words = imapWords(bytes);
    // * LSUB (attributes) delimiter name: the attribute list may hold several words.
    if (words[0] !== '*' || words[1]?.toUpperCase() !== 'LSUB') return;
    const external = words.at(-1)!;
    try {
      names.add(deps.namespace.toInternal(external, identity));
    } catch {
      // A name this frontend cannot map is left out.
    }
  });
  if (answer?.status !== 'OK') return;
  const store = deps.store;
  const current = new Set(store.subscriptions(identity.userid));
  for (const name of names) if (!current.has(name)) store.subscribe(identity.userid, name);
  for (const name of current) if (!names.has(name)) store.unsubscribe(identity.userid, name);
}

export function quoted(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The words of a response line: atoms, quoted strings and literals, as text. */
export function imapWords(bytes: Buffer): string[] {
  const words: string[] = [];
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const c = bytes[i]!;
    if (c === 0x20 || c === 0x0d || c === 0x0a) {
      i++;
      continue;
    }
    if (c === 0x22 /* " */) {
      let text = '';
      i++;
      while (i < n && bytes[i] !== 0x22) {
        if (bytes[i] === 0x5c /* \ */) i++;
        text += String.fromCharCode(bytes[i]!);
        i++;
      }
      i++;
      words.push(Buffer.from(text, 'latin1').toString('utf8'));
      continue;
    }
    if (c === 0x7b /* { */) {
      const close = bytes.indexOf(0x7d, i);
      const size = Number(bytes.toString('latin1', i + 1, close).replace('+', ''));
      const start = bytes.indexOf(0x0a, close) + 1;
      words.push(bytes.toString('utf8', start, start + size));
      i = start + size;
      continue;
    }
    let end = i;
    while (end < n && bytes[end] !== 0x20 && bytes[end] !== 0x0d && bytes[end] !== 0x0a) end++;
    words.push(bytes.toString('utf8', i, end));
    i = end;
  }
  return words;
}
