/**
 * A Murder backend asks the mupdate master where a mailbox is before it makes one on its own
 * account (a user's INBOX at first contact): a name the master places on another backend must not
 * be made here too, since this backend's pusher would then move the master's entry to itself and
 * the user's mail would follow to an empty INBOX. Cyrus gets the same from its RESERVE at create.
 */
import { connectMupdate, mupdateConnectOptions } from './client.js';
import { parseLocation } from './location.js';
import type { MurderSettings } from './settings.js';
import type { MupdateConnection } from './types.js';

export type MasterPlacement =
  /** The master has no such name, or places it on this server. */
  | { kind: 'free' }
  /** The master places it on another server. */
  | { kind: 'elsewhere'; server: string }
  /** No mupdate master configured, or it could not be asked within the time given. */
  | { kind: 'unknown'; reason: string };

/** Where the master places `name`, over a connection of its own, within `waitMs`. */
export async function askMasterPlacement(settings: MurderSettings, name: string, waitMs = 5_000): Promise<MasterPlacement> {
  if (settings.mupdateServer === null || settings.mupdateLogin === null) return { kind: 'unknown', reason: 'no mupdate_server or no login for it' };
  let conn: MupdateConnection | null = null;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<MasterPlacement>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'unknown', reason: `no answer from the mupdate master within ${waitMs} ms` }), waitMs);
  });
  const ask = (async (): Promise<MasterPlacement> => {
    conn = await connectMupdate(mupdateConnectOptions(settings));
    const record = await conn.find(name);
    const server = record === null ? null : parseLocation(record.location)?.server ?? null;
    return server === null || server === settings.servername ? { kind: 'free' } : { kind: 'elsewhere', server };
  })().catch((err: unknown): MasterPlacement => ({ kind: 'unknown', reason: (err as Error).message }));
  try {
    return await Promise.race([ask, timeout]);
  } finally {
    clearTimeout(timer);
    // The connection may still be opening when the time ran out: close it whenever it is there.
    void ask.finally(() => (conn as MupdateConnection | null)?.close().catch(() => undefined));
  }
}
