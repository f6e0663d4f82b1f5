/** STARTTLS (RFC 5804 2.2): TLS with the tls_* settings; the capabilities follow the handshake. */
import { SieveError } from '../error-map.js';
import { UNAUTHENTICATED } from '../session/state.js';
import { noArguments } from './arguments.js';
import { defineCommand } from './types.js';

export const starttlsCommand = defineCommand({
  name: 'STARTTLS',
  states: UNAUTHENTICATED,
  parse: noArguments,
  handle(ctx) {
    if (!ctx.deps.tlsContext) throw new SieveError(null, 'TLS is not available');
    if (ctx.tls) throw new SieveError(null, 'TLS is already active');
    ctx.out.response('OK');
    ctx.startTls();
  },
});
