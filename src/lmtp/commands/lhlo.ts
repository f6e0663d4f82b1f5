/** LHLO (RFC 2033 section 4.1): the greeting that starts a session and lists the extensions. */
import { reply } from '../wire/replies.js';
import { defineCommand, type CommandContext } from './types.js';

/** The extensions this connection offers, in LHLO order. */
export function extensions(ctx: CommandContext): string[] {
  const { deps } = ctx;
  const out = ['PIPELINING', 'ENHANCEDSTATUSCODES', '8BITMIME', `SIZE ${deps.limits.maxMessageSize}`, 'CHUNKING', 'SMTPUTF8', 'IGNOREQUOTA'];
  if (!ctx.connection.unixSocket) {
    if (!ctx.connection.tls && deps.tlsContext !== null) out.push('STARTTLS');
    const mechanisms = ctx.authenticated === null ? deps.auth.mechanisms(ctx.connection) : [];
    if (mechanisms.length > 0) out.push(`AUTH ${mechanisms.join(' ')}`);
  }
  return out;
}

export const lhloCommand = defineCommand({
  verb: 'LHLO',
  handle(ctx, command) {
    if (ctx.state.kind === 'transaction') ctx.state.envelope.proxy?.close();
    ctx.setLhloHost(command.host);
    ctx.setState({ kind: 'ready' });
    ctx.reply(reply(250, null, [ctx.deps.serverName, ...extensions(ctx)].join('\n')));
  },
});
