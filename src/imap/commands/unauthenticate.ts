/**
 * UNAUTHENTICATE (RFC 8437): end the login without ending the connection. The selected mailbox is
 * closed without expunging (as UNSELECT), ENABLEd extensions are turned off, and the session is
 * back where a new connection starts (TLS, when negotiated, stays); the client may log in again.
 */
import { AUTHENTICATED } from '../session/state.js';
import { always, defineCommand } from './types.js';

export const unauthenticateCommand = defineCommand({
  name: 'UNAUTHENTICATE',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx) {
    ctx.unauthenticate();
  },
});
