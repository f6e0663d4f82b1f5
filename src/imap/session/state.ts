/**
 * The session's state as a discriminated union: data that needs a login (the identity) or a
 * selected mailbox cannot exist before it (STYLE.md habit 4).
 */
import type { Identity } from '../../auth/index.js';
import type { SelectedMailbox } from './selected.js';

export type SessionState =
  | { kind: 'notAuthenticated' }
  | { kind: 'authenticated'; identity: Identity }
  | { kind: 'selected'; identity: Identity; selected: SelectedMailbox }
  | { kind: 'logout' };

export type StateKind = SessionState['kind'];

export const ANY_STATE: readonly StateKind[] = ['notAuthenticated', 'authenticated', 'selected'];
export const AUTHENTICATED: readonly StateKind[] = ['authenticated', 'selected'];
export const SELECTED: readonly StateKind[] = ['selected'];
export const NOT_AUTHENTICATED: readonly StateKind[] = ['notAuthenticated'];
