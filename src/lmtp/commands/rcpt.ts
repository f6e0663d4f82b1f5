/**
 * RCPT TO (RFC 5321 section 4.1.1.3; RFC 2033: each accepted recipient gets its own reply after
 * DATA). The recipients layer decides now (src/recipients, the same decision smmapd answers with),
 * so an unknown user is refused here with 550 5.1.1 and an over-quota one with 452 4.2.2
 * (IGNOREQUOTA skips the quota). NOTIFY= and ORCPT= are accepted and only logged. On a Murder
 * frontend a recipient whose mailbox the mirror puts on a backend is sent there (src/lmtp/proxy)
 * and gets the backend's answer.
 */
import type { RecipientVerdict } from '../../recipients/index.js';
import { lmtpReplyFor } from '../error-map.js';
import { proxyRecipient } from '../proxy/recipient.js';
import { REPLIES } from '../wire/replies.js';
import { acceptEightBit } from './addresses.js';
import { defineCommand } from './types.js';

export const rcptCommand = defineCommand({
  verb: 'RCPT',
  async handle(ctx, command) {
    if (ctx.state.kind === 'greeted') return ctx.reply(REPLIES.needLhlo);
    if (ctx.state.kind !== 'transaction') return ctx.reply(REPLIES.needMail);
    const { envelope } = ctx.state;
    const { deps } = ctx;
    if (envelope.chunks !== null) return ctx.reply(REPLIES.mixedDataBdat);
    if (envelope.recipients.length >= deps.limits.maxRecipients) return ctx.reply(REPLIES.tooManyRecipients);
    const address = acceptEightBit(command.recipient, envelope.params.smtputf8, deps.policy.strictAddresses);
    if (address === null) return ctx.reply(REPLIES.badRecipient);
    let verdict: RecipientVerdict;
    try {
      verdict = await deps.recipients.decide(address, envelope.poster, { intent: 'deliver', size: envelope.params.size ?? 0, ignoreQuota: command.params.ignoreQuota });
    } catch (err) {
      const mapped = lmtpReplyFor(err, deps.policy);
      if (mapped.internal) ctx.log.error({ err, rcpt: address }, 'recipient lookup failed');
      else ctx.log.info({ rcpt: `${address.localPart}@${address.domain ?? ''}`, reason: (err as Error).message }, 'recipient refused');
      return ctx.reply(mapped.reply);
    }
    // Murder frontend: a mailbox on a backend gets the backend's own answer.
    if (verdict.kind === 'remote') return proxyRecipient(ctx, envelope, verdict.server, address, command.params);
    if (verdict.kind !== 'local') throw new Error(`a delivery got the verdict ${verdict.kind}`);
    const resolved = verdict.recipient;
    envelope.recipients.push({ kind: 'local', resolved, params: command.params });
    ctx.log.debug({ rcpt: resolved.address, mailbox: resolved.mailbox.name, notify: command.params.notify, orcpt: command.params.originalRecipient }, 'recipient');
    ctx.reply(REPLIES.recipientOk);
  },
});
