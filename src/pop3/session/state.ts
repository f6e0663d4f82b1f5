/**
 * The session's state as RFC 1939 names it, a discriminated union: the maildrop (and the identity
 * that opened it) cannot exist before a login, and UPDATE is only ever entered through QUIT.
 */
import type { Identity } from '../../auth/index.js';
import type { Maildrop } from './maildrop.js';

/** A USER command's name, waiting for PASS. */
export interface PendingUser {
  /** The login name without the "+folder" part. */
  login: string;
  /** popsubfolders: the folder after "+", or null. */
  subfolder: string | null;
}

export type SessionState =
  | { kind: 'authorization'; pendingUser: PendingUser | null }
  | { kind: 'transaction'; identity: Identity; maildrop: Maildrop }
  | { kind: 'update'; maildrop: Maildrop }
  /** Murder frontend: the INBOX is on backend `server`; the connection is relayed there byte for byte. */
  | { kind: 'proxied'; identity: Identity; server: string }
  | { kind: 'closed' };

export type StateKind = SessionState['kind'];

/** The states in which a client may send commands. */
export type CommandState = 'authorization' | 'transaction';

export const AUTHORIZATION: readonly CommandState[] = ['authorization'];
export const TRANSACTION: readonly CommandState[] = ['transaction'];
export const ANY_STATE: readonly CommandState[] = ['authorization', 'transaction'];
