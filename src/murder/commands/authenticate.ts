/**
 * AUTHENTICATE "mech" ["initial response"]: a SASL exchange through the auth module. Challenges
 * go out as a line of base64 (as Cyrus's mupdate sends them); the client answers with a line
 * holding base64 (bare or quoted), or "*" to cancel. Only administrators (a global entry of
 * `admins`) may use mupdate; anyone else is refused after a good password too.
 */
import { MailError } from '../../common/index.js';
import type { Identity, SaslExchange } from '../../auth/index.js';
import { statusLine } from '../wire/writer.js';
import { MupdateAnswer, type CommandContext, type MupdateCommand } from './types.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decode(text: string): Buffer {
  if (!BASE64.test(text)) throw new MupdateAnswer('BAD', 'Invalid base64 in authentication exchange');
  return Buffer.from(text, 'base64');
}

async function challenge(ctx: CommandContext, exchange: SaslExchange, data: Buffer): Promise<Buffer> {
  ctx.write(`${data.toString('base64')}\r\n`);
  await ctx.flush();
  const answer = await ctx.readLine();
  if (answer === null) {
    exchange.abandon();
    throw new MupdateAnswer('NO', 'Connection closed');
  }
  if (!Array.isArray(answer) || answer.length > 1) {
    exchange.abort();
    throw new MupdateAnswer('BAD', 'Expected one string in the authentication exchange');
  }
  const text = answer[0]?.text.trim() ?? '';
  if (text === '*') {
    exchange.abort();
    throw new MupdateAnswer('NO', 'Authentication canceled');
  }
  return decode(text);
}

/** The NO for a failed exchange (the auth module waited out the login penalty already). */
function refusal(ctx: CommandContext, err: unknown): never {
  if (!(err instanceof MailError)) throw err;
  if (err.kind === 'AuthFailed' && err.detail?.disconnect === true) ctx.closeAfterReply('too many failed logins');
  if (err.kind === 'Temp') throw new MupdateAnswer('NO', 'Authentication temporarily unavailable');
  if (err.kind === 'Invalid' && err.detail?.unsupportedMechanism === true) throw new MupdateAnswer('NO', 'Mechanism not supported');
  throw new MupdateAnswer('NO', 'Authentication failed');
}

export const authenticateCommand: MupdateCommand = {
  name: 'AUTHENTICATE',
  states: ['unauthenticated'],
  minArgs: 1,
  maxArgs: 2,
  async handle(ctx, tag, [mechanism, initial]) {
    let exchange: SaslExchange;
    try {
      exchange = ctx.deps.auth.startSasl(mechanism!.toUpperCase(), ctx.connection);
    } catch (err) {
      return refusal(ctx, err);
    }
    let data: Buffer | null = initial === undefined ? null : decode(initial.trim());
    let identity: Identity;
    try {
      for (;;) {
        const step = await exchange.step(data);
        if (step.kind === 'success') {
          identity = step.identity;
          // Success data (SCRAM) goes as one more challenge; its answer is empty.
          if (step.data && step.data.length > 0) await challenge(ctx, exchange, step.data);
          break;
        }
        data = await challenge(ctx, exchange, step.data);
      }
    } catch (err) {
      if (err instanceof MupdateAnswer) throw err;
      return refusal(ctx, err);
    }
    if (!identity.isAdmin || identity.isDomainAdmin || identity.isAnonymous) {
      ctx.log.info({ user: identity.userid }, 'mupdate login refused: not an administrator');
      throw new MupdateAnswer('NO', 'Only administrators may use mupdate');
    }
    ctx.loggedIn(identity);
    ctx.write(statusLine(tag, 'OK', 'Authenticated'));
  },
};
