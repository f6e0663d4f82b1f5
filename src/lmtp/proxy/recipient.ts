/** RCPT for a mailbox on a backend (Murder frontend): sent there, the backend's answer relayed. */
import type { CommandContext } from '../commands/types.js';
import type { Envelope } from '../session/state.js';
import type { EnvelopeAddress, RcptParameters } from '../wire/commands.js';
import { ProxyTransaction } from './transaction.js';

export async function proxyRecipient(ctx: CommandContext, envelope: Envelope, server: string, address: EnvelopeAddress, params: RcptParameters): Promise<void> {
  envelope.proxy ??= new ProxyTransaction(ctx.deps, envelope.sender, envelope.params, ctx.log, ctx.backendPool);
  const answer = await envelope.proxy.rcpt(server, address, params);
  const shown = address.domain === null ? address.localPart : `${address.localPart}@${address.domain}`;
  if (answer.code >= 200 && answer.code < 300) {
    envelope.recipients.push({ kind: 'remote', server, address: shown, params });
    ctx.log.debug({ rcpt: shown, server }, 'recipient on a backend');
  } else {
    ctx.log.info({ rcpt: shown, server, code: answer.code, status: answer.status }, 'recipient refused by the backend');
  }
  ctx.reply(answer);
}
