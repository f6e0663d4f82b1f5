/**
 * AUTH (RFC 4954) with the auth module's SASL mechanisms: "334 base64" challenges, "*" cancels,
 * "=" is an empty initial response. Offered on TCP only; after success the connection may deliver.
 */
import { MailError } from '../../common/index.js';
import { REPLIES } from '../wire/replies.js';
import { reply } from '../wire/replies.js';
import { defineCommand, type CommandContext } from './types.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

class Cancelled extends Error {}

function decode(text: string): Buffer {
  if (text === '*') throw new Cancelled('cancelled');
  if (!BASE64.test(text)) throw new MailError('Invalid', 'bad base64');
  return Buffer.from(text, 'base64');
}

async function failed(ctx: CommandContext, err: unknown): Promise<void> {
  if (err instanceof Cancelled) return ctx.reply(REPLIES.authCancelled);
  if (err instanceof MailError) {
    if (err.detail?.unsupportedMechanism === true) return ctx.reply(REPLIES.authMechanism);
    if (err.detail?.privacyRequired === true) return ctx.reply(REPLIES.encryptionRequired);
    if (err.kind === 'Temp') return ctx.reply(REPLIES.authTemporary);
    if (err.kind === 'Invalid' || err.kind === 'Limit') return ctx.reply(REPLIES.syntax);
    // The auth module waited out the login penalty and counted the failure.
    ctx.reply(REPLIES.authFailed);
    if (err.detail?.disconnect === true) ctx.close();
    return;
  }
  throw err;
}

export const authCommand = defineCommand({
  verb: 'AUTH',
  async handle(ctx, command) {
    if (ctx.state.kind === 'greeted') return ctx.reply(REPLIES.needLhlo);
    if (ctx.connection.unixSocket) return ctx.reply(REPLIES.unknownCommand);
    if (ctx.authenticated !== null) return ctx.reply(REPLIES.alreadyAuthenticated);
    if (ctx.state.kind === 'transaction') return ctx.reply(REPLIES.authInTransaction);
    try {
      const exchange = ctx.deps.auth.startSasl(command.mechanism, ctx.connection);
      const ir = command.initialResponse;
      let data: Buffer | null = ir === null ? null : ir === '=' ? Buffer.alloc(0) : decode(ir);
      try {
        for (;;) {
          const step = await exchange.step(data);
          if (step.kind === 'success') {
            if (step.data && step.data.length > 0) {
              const answer = await ctx.challenge(step.data.toString('base64'));
              if (answer === null) return exchange.abandon();
              if (answer.trim() === '*') throw new Cancelled('cancelled');
            }
            // The auth module logged the one "login" line.
            ctx.setAuthenticated(step.identity);
            return ctx.reply(REPLIES.authOk);
          }
          const line = await ctx.challenge(step.data.toString('base64'));
          if (line === null) return exchange.abandon();
          data = decode(line.trim());
        }
      } catch (err) {
        exchange.abort();
        throw err;
      }
    } catch (err) {
      await failed(ctx, err);
    }
  },
});

/** STARTTLS (RFC 3207): 220, then TLS; the session forgets LHLO and anything sent before. */
export const starttlsCommand = defineCommand({
  verb: 'STARTTLS',
  handle(ctx) {
    if (ctx.connection.unixSocket) return ctx.reply(REPLIES.unknownCommand);
    if (ctx.connection.tls) return ctx.reply(REPLIES.alreadyTls);
    if (ctx.deps.tlsContext === null) return ctx.reply(REPLIES.tlsUnavailable);
    if (ctx.state.kind === 'transaction') return ctx.reply(reply(503, '5.5.1', 'STARTTLS not allowed during a mail transaction'));
    ctx.reply(REPLIES.readyTls);
    ctx.startTls();
  },
});
