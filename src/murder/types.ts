/**
 * The mupdate protocol (RFC 3656) as the rest of the server sees it: a client connection to a
 * mupdate server and the records it reports.
 */
import type { LinkTls } from './link-tls.js';

/** One mailbox as mupdate knows it. */
export type MupdateRecord =
  /** An existing mailbox: where it is and its ACL (Cyrus's ACL text, "id\trights\t..."). */
  | { kind: 'mailbox'; name: string; location: string; acl: string }
  /** A name held for a create under way on `location`. */
  | { kind: 'reserve'; name: string; location: string };

/** What an UPDATE stream reports: a record, or a name that is gone. */
export type MupdateEvent = MupdateRecord | { kind: 'delete'; name: string };

/** Why a mupdate command failed: the server said NO or BAD, or the connection is unusable. */
export class MupdateError extends Error {
  constructor(readonly reason: 'no' | 'bad' | 'connection' | 'auth' | 'tls', message: string) {
    super(message);
    this.name = 'MupdateError';
  }
}

export interface MupdateConnectOptions {
  host: string;
  port: number;
  /** SASL PLAIN credentials. */
  authname: string;
  authzid?: string;
  password: string;
  /** Give up connecting, or waiting for one reply, after this long (ms). Default 10 s. */
  timeoutMs?: number;
  /** STARTTLS before the login (MurderSettings.linkTls); none: plain. */
  tls?: LinkTls;
}

/**
 * A logged-in connection to a mupdate server. Commands are sent in order and may be pipelined;
 * each promise settles with its tagged reply. After `update()` the connection only streams
 * (and answers NOOP), as RFC 3656 says.
 */
export interface MupdateConnection {
  /** Whether the connection runs over TLS (STARTTLS before the login). */
  readonly secure?: boolean;
  find(name: string): Promise<MupdateRecord | null>;
  /** Every record, or only those on `server` when given. */
  list(server?: string): Promise<MupdateRecord[]>;
  activate(name: string, location: string, acl: string): Promise<void>;
  reserve(name: string, location: string): Promise<void>;
  delete(name: string): Promise<void>;
  noop(): Promise<void>;
  /**
   * Start streaming: `onEvent` hears every record of the initial list, then `onSynced` once, then
   * every later change. Resolves when the server's tagged OK for UPDATE arrives.
   */
  update(onEvent: (event: MupdateEvent) => void, onSynced?: () => void): Promise<void>;
  /** Called once when the connection ends for any reason (not after close()). */
  onClose(listener: (err: Error | null) => void): void;
  close(): Promise<void>;
}
