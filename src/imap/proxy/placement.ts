/**
 * Where a relayed CREATE (or the target of a RENAME) goes on a Murder frontend, as Cyrus's proxyd
 * decides: the backend of the nearest existing ancestor; else, for the user's own folders, the
 * backend of the user's INBOX; else one of serverlist. null: the mailbox is made here (its nearest
 * ancestor is local, or this server is in no Murder placement at all).
 */
import { serverlistChoice } from '../../murder/index.js';
import type { MailboxEntry } from '../../store/index.js';
import type { ImapDeps } from '../deps.js';

export interface Placement {
  server: string;
  partition: string;
  /** The backend is the one of an existing mailbox at or above the name (not a free choice). */
  fromAncestor: boolean;
}

export function chooseBackend(deps: ImapDeps, internal: string, inbox: MailboxEntry | null, isRemote: (entry: MailboxEntry | null) => boolean): Placement | null {
  const store = deps.store;
  for (let name: string | null = internal; name !== null; name = parentOf(name)) {
    const entry = store.lookup(name);
    if (entry === null) continue;
    if (!isRemote(entry)) return null;
    return { server: entry.server!, partition: entry.partition, fromAncestor: true };
  }
  if (inbox !== null && internal.startsWith(`${inbox.name}.`)) return { server: inbox.server!, partition: inbox.partition, fromAncestor: false };
  const server = serverlistChoice(deps.config);
  return server === null ? null : { server, partition: '', fromAncestor: false };
}

/** The parent of an internal name ("user.fred.a" → "user.fred"), null at the top. */
function parentOf(internal: string): string | null {
  const bang = internal.indexOf('!');
  const dot = internal.lastIndexOf('.');
  return dot > bang + 1 ? internal.slice(0, dot) : null;
}
