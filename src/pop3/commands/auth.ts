/**
 * AUTH (RFC 5034): a SASL exchange through the auth module, with an optional initial response
 * ("=" for an empty one); "*" cancels. Without arguments, the mechanisms are listed (the old
 * discovery form some clients still use). POP3 has no success data: SCRAM's final message goes
 * as one more challenge, answered by an empty line.
 */
import type { SaslExchange } from '../../auth/index.js';
import { Pop3Error } from '../error-map.js';
import { AUTHORIZATION } from '../session/state.js';
import { refuseLogin } from './login-common.js';
import { defineCommand, type CommandContext } from './types.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decode(text: string): Buffer {
  if (!BASE64.test(text)) throw new Pop3Error('AUTH', 'Invalid base64 in authentication exchange');
  return Buffer.from(text, 'base64');
}

interface AuthArguments {
  mechanism: string | null;
  initialResponse: string | null;
}

/** Send a challenge and read the answer; a cancel or a closed connection ends the exchange. */
async function challenge(ctx: CommandContext, exchange: SaslExchange, data: Buffer): Promise<string> {
  ctx.out.line(`+ ${data.toString('base64')}`);
  await ctx.out.flush();
  const line = await ctx.readLine();
  if (line === null || line.trim() === '*') {
    if (line === null) exchange.abandon();
    else exchange.abort();
    throw new Pop3Error('AUTH', line === null ? 'Connection closed' : 'Client canceled authentication');
  }
  return line.trim();
}

export const authCommand = defineCommand({
  name: 'AUTH',
  states: AUTHORIZATION,
  parse(argument: string | null): AuthArguments {
    if (argument === null) return { mechanism: null, initialResponse: null };
    const words = argument.trim().split(/[ \t]+/);
    if (words.length > 2) throw new Pop3Error(null, 'Unexpected extra argument');
    return { mechanism: words[0]!.toUpperCase(), initialResponse: words[1] ?? null };
  },
  async handle(ctx, { mechanism, initialResponse }) {
    if (mechanism === null) {
      ctx.out.line('+OK List of supported mechanisms follows');
      for (const name of ctx.deps.auth.mechanisms(ctx.connection)) ctx.out.line(name);
      ctx.out.line('.');
      return;
    }
    let exchange: SaslExchange;
    try {
      exchange = ctx.deps.auth.startSasl(mechanism, ctx.connection);
    } catch (err) {
      return refuseLogin(ctx, err);
    }
    let data: Buffer | null = initialResponse === null ? null : initialResponse === '=' ? Buffer.alloc(0) : decode(initialResponse);
    let identity;
    try {
      for (;;) {
        const step = await exchange.step(data);
        if (step.kind === 'success') {
          if (step.data && step.data.length > 0) {
            const answer = await challenge(ctx, exchange, step.data);
            if (answer !== '') throw new Pop3Error('AUTH', 'Unexpected data after the final SASL message');
          }
          identity = step.identity;
          break;
        }
        data = decode(await challenge(ctx, exchange, step.data));
      }
    } catch (err) {
      if (err instanceof Pop3Error) throw err;
      return refuseLogin(ctx, err);
    }
    await ctx.loggedIn(identity, null);
  },
});
