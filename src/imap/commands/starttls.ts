import { NOT_AUTHENTICATED } from '../session/state.js';
import { always, defineCommand } from './types.js';

/** STARTTLS: the tagged OK goes out in plaintext, then the session starts the TLS handshake. */
export const starttlsCommand = defineCommand({
  name: 'STARTTLS',
  states: NOT_AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx) {
    await ctx.startTls();
    return { status: 'OK', text: 'Begin TLS negotiation now' };
  },
});
