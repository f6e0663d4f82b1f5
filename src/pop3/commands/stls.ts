/** STLS (RFC 2595): TLS with the same certificate settings as imapd's STARTTLS. */
import { Pop3Error } from '../error-map.js';
import { AUTHORIZATION } from '../session/state.js';
import { noArgument } from './arguments.js';
import { defineCommand } from './types.js';

export const stlsCommand = defineCommand({
  name: 'STLS',
  states: AUTHORIZATION,
  parse: noArgument,
  handle(ctx) {
    if (!ctx.deps.tlsContext) throw new Pop3Error(null, 'Unrecognized command');
    if (ctx.tls) throw new Pop3Error(null, 'Already successfully executed STLS');
    ctx.out.line('+OK Begin TLS negotiation now');
    ctx.startTls();
  },
});
