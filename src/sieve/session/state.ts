/**
 * The session's state as RFC 5804 has it, a discriminated union: whose scripts a command acts on
 * exists only after AUTHENTICATE, and UNAUTHENTICATE takes it away again.
 */
import type { Identity } from '../../auth/index.js';

export type SessionState =
  | { kind: 'unauthenticated' }
  /** `identity.userid` owns the scripts (the authorization identity of a proxy login). */
  | { kind: 'authenticated'; identity: Identity }
  | { kind: 'closed' };

/** The states in which a client may send commands. */
export type CommandState = 'unauthenticated' | 'authenticated';

export const UNAUTHENTICATED: readonly CommandState[] = ['unauthenticated'];
export const AUTHENTICATED: readonly CommandState[] = ['authenticated'];
export const ANY_STATE: readonly CommandState[] = ['unauthenticated', 'authenticated'];
