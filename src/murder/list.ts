/**
 * The Murder's mailbox list as a mupdate server holds it: the remote entries of its own
 * mailboxes.db (through the store's mirror API), indexed in memory, and the streams that hear
 * every change. The master changes it with ACTIVATE / RESERVE / DELETE; a slave changes it only
 * from its master's UPDATE stream. One process owns it (the mupdate service runs one worker), so
 * the in-memory index and the streams see every write.
 */
import type { Logger } from '../common/index.js';
import type { MailboxEntry, MailStore } from '../store/index.js';
import { formatLocation, parseLocation } from './location.js';
import type { MupdateEvent, MupdateRecord } from './types.js';

/** A change the list refuses, with the text mupdate answers NO with. */
export class MupdateRefusal extends Error {}

function recordOf(entry: MailboxEntry): MupdateRecord {
  const location = formatLocation({ server: entry.server ?? '', partition: entry.partition });
  return entry.type.includes('reserved')
    ? { kind: 'reserve', name: entry.name, location }
    : { kind: 'mailbox', name: entry.name, location, acl: entry.acl };
}

function sameRecord(a: MupdateRecord | undefined, b: MupdateRecord): boolean {
  if (a === undefined || a.kind !== b.kind || a.location !== b.location) return false;
  return a.kind === 'reserve' || a.acl === (b as { acl: string }).acl;
}

export class MupdateList {
  private readonly records = new Map<string, MupdateRecord>();
  private readonly listeners = new Set<(event: MupdateEvent) => void>();

  constructor(private readonly store: MailStore, private readonly logger: Logger) {
    for (const entry of store.remoteEntries()) this.records.set(entry.name, recordOf(entry));
  }

  get size(): number {
    return this.records.size;
  }

  find(name: string): MupdateRecord | null {
    return this.records.get(name) ?? null;
  }

  /** Every record in name order, or those whose location's server is `server`. */
  all(server?: string): MupdateRecord[] {
    const names = [...this.records.keys()].sort();
    const records = names.map((n) => this.records.get(n)!);
    if (server === undefined) return records;
    return records.filter((r) => parseLocation(r.location)?.server === server);
  }

  /** Hear every change from now on; returns the unsubscribe function. */
  subscribe(listener: (event: MupdateEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** ACTIVATE: the mailbox exists at `location` with `acl` (replacing a reservation or an older entry). */
  activate(name: string, location: string, acl: string): void {
    this.put({ kind: 'mailbox', name, location, acl });
  }

  /** RESERVE: hold `name` for a create at `location`; refused when it is active, or reserved elsewhere. */
  reserve(name: string, location: string): void {
    const current = this.records.get(name);
    if (current && (current.kind === 'mailbox' || current.location !== location)) throw new MupdateRefusal('mailbox already exists');
    this.put({ kind: 'reserve', name, location });
  }

  /** DELETE: forget `name`; false when it was not there. */
  delete(name: string): boolean {
    if (!this.records.has(name)) return false;
    this.store.removeRemoteEntry(name);
    this.records.delete(name);
    this.emit({ kind: 'delete', name });
    return true;
  }

  /** A slave's copy of its master's event. */
  apply(event: MupdateEvent): void {
    if (event.kind === 'delete') this.delete(event.name);
    else this.put(event);
  }

  /**
   * A slave's copy of its master's whole list: records not in it are removed, the others written.
   * A record the store refuses (a local mailbox of that name) is told to `onRefused` and skipped.
   */
  replaceAll(records: readonly MupdateRecord[], onRefused: (name: string, err: Error) => void): void {
    const wanted = new Set(records.map((r) => r.name));
    for (const name of [...this.records.keys()]) if (!wanted.has(name)) this.delete(name);
    for (const record of records) {
      try {
        this.put(record);
      } catch (err) {
        onRefused(record.name, err as Error);
      }
    }
  }

  private put(record: MupdateRecord): void {
    const where = parseLocation(record.location);
    if (where === null) throw new MupdateRefusal(`invalid location ${record.location}`);
    if (sameRecord(this.records.get(record.name), record)) return;
    // The store refuses a name over a local mailbox (Exists) or a bad name (BadName): MailErrors.
    this.store.putRemoteEntry({
      name: record.name, server: where.server, partition: where.partition, acl: record.kind === 'mailbox' ? record.acl : '', reserved: record.kind === 'reserve',
    });
    this.records.set(record.name, record);
    this.logger.debug({ mailbox: record.name, kind: record.kind, location: record.location }, 'mupdate list changed');
    this.emit(record);
  }

  private emit(event: MupdateEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
