/**
 * MAIL FROM (RFC 5321 section 4.1.1.2) with SIZE=, BODY=, SMTPUTF8 and AUTH=. Starts a transaction.
 * Who may: a trusted connection (UNIX socket, `lmtpd -a`) or one that did AUTH; else 530 5.7.0.
 * The posting identity (whose `p` right counts for +detail and shared folders): the AUTH= identity
 * when a trusted connection or an administrator names one, else the authenticated user, else
 * anonymous.
 */
import { makeIdentity, ANONYMOUS_USERID, type Identity } from '../../auth/index.js';
import { REPLIES } from '../wire/replies.js';
import type { MailParameters } from '../wire/commands.js';
import { acceptEightBit } from './addresses.js';
import { defineCommand, type CommandContext } from './types.js';

const ANONYMOUS = makeIdentity({ localPart: ANONYMOUS_USERID, domain: null, isAnonymous: true });

function posterOf(ctx: CommandContext, params: MailParameters): Identity {
  const authenticated = ctx.authenticated;
  if (params.auth !== null && (ctx.trusted || authenticated?.isAdmin === true)) {
    const userid = ctx.deps.userids.tryCanonical(params.auth);
    if (userid !== null && userid !== ANONYMOUS_USERID) return ctx.deps.auth.identityOf(userid, ctx.deps.serviceName, authenticated?.userid ?? null);
    return ANONYMOUS;
  }
  return authenticated ?? ANONYMOUS;
}

export const mailCommand = defineCommand({
  verb: 'MAIL',
  handle(ctx, command) {
    if (ctx.state.kind === 'greeted') return ctx.reply(REPLIES.needLhlo);
    if (ctx.state.kind === 'transaction') return ctx.reply(REPLIES.nestedMail);
    if (!ctx.trusted && ctx.authenticated === null) return ctx.reply(REPLIES.authRequired);
    if (command.params.size !== null && command.params.size > ctx.deps.limits.maxMessageSize) return ctx.reply(REPLIES.tooBig);
    let sender = command.sender;
    if (sender !== null) {
      sender = acceptEightBit(sender, command.params.smtputf8, ctx.deps.policy.strictAddresses);
      if (sender === null) return ctx.reply(REPLIES.badSender);
    }
    const poster = posterOf(ctx, command.params);
    ctx.setState({ kind: 'transaction', envelope: { sender, params: command.params, poster, recipients: [], chunks: null, proxy: null } });
    ctx.reply(REPLIES.senderOk);
  },
});
