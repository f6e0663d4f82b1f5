/**
 * AUTHENTICATE (RFC 5804 2.1): a SASL exchange through the auth module. Challenges go as strings
 * of base64; the client answers each with a string, or "*" to cancel. Success data (SCRAM's
 * final message) rides on the OK as (SASL "..."). Plaintext mechanisms without TLS, when
 * allowplaintext is off, are refused with ENCRYPT-NEEDED; a mechanism the server knows but does
 * not offer here (sasl_mech_list, sasl_minimum_layer) with AUTH-TOO-WEAK.
 */
import { MailError } from '../../common/index.js';
import type { Identity, SaslExchange } from '../../auth/index.js';
import { saslMechanisms } from '../capabilities.js';
import { SieveError, sieveFailure } from '../error-map.js';
import { UNAUTHENTICATED } from '../session/state.js';
import { serializeString } from '../wire/response.js';
import { utf8 } from './arguments.js';
import { defineCommand, type CommandContext } from './types.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KNOWN = new Set(['PLAIN', 'LOGIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'EXTERNAL', 'ANONYMOUS', 'CRAM-MD5', 'DIGEST-MD5']);
const PLAINTEXT = new Set(['PLAIN', 'LOGIN']);

function decode(text: string): Buffer {
  if (!BASE64.test(text)) throw new SieveError(null, 'Invalid base64 in authentication exchange');
  return Buffer.from(text, 'base64');
}

interface AuthenticateArguments {
  mechanism: string;
  initialResponse: Buffer | null;
}

/** Send a challenge and read the answer; a cancel or a closed connection ends the exchange. */
async function challenge(ctx: CommandContext, exchange: SaslExchange, data: Buffer): Promise<string> {
  ctx.out.bytes(serializeString(data.toString('base64')));
  ctx.out.line('');
  await ctx.out.flush();
  const answer = await ctx.readResponse();
  if (answer === null) {
    exchange.abandon();
    throw new SieveError(null, 'Connection closed');
  }
  const token = Array.isArray(answer) && answer.length === 1 ? answer[0]! : null;
  if (token === null || token.kind !== 'string') {
    exchange.abort();
    throw new SieveError(null, 'Expected a string in the authentication exchange');
  }
  const text = token.value.toString('latin1').trim();
  if (text === '*') {
    exchange.abort();
    throw new SieveError(null, 'Authentication canceled');
  }
  return text;
}

/** The NO for a failed step (the auth module waited out the login penalty and counted the failure). */
function refusal(ctx: CommandContext, err: unknown): never {
  if (!(err instanceof MailError)) throw err;
  if (err.kind === 'AuthFailed' && err.detail?.disconnect === true) ctx.closeAfterReply('too many failed logins');
  const failure = sieveFailure(err, 'authenticate');
  throw new SieveError(failure.code, failure.text);
}

/** Why a mechanism cannot start on this connection, with the RFC's code. */
function mechanismRefusal(ctx: CommandContext, mechanism: string): SieveError | null {
  if (saslMechanisms(ctx.deps, ctx.connection).includes(mechanism)) return null;
  if (!KNOWN.has(mechanism)) return new SieveError(null, `Mechanism ${mechanism} is not supported`);
  if (!ctx.tls && ctx.deps.tlsContext) {
    const withTls = saslMechanisms(ctx.deps, { ...ctx.connection, tls: true });
    if (withTls.includes(mechanism) || (PLAINTEXT.has(mechanism) && !ctx.deps.auth.plaintextAllowed(ctx.connection))) {
      return new SieveError('ENCRYPT-NEEDED', 'This mechanism needs TLS: use STARTTLS first');
    }
  }
  return new SieveError('AUTH-TOO-WEAK', `Mechanism ${mechanism} is not allowed`);
}

export const authenticateCommand = defineCommand({
  name: 'AUTHENTICATE',
  states: UNAUTHENTICATED,
  parse(tokens): AuthenticateArguments {
    if (tokens.length === 0) throw new SieveError(null, 'Missing mechanism');
    if (tokens.length > 2) throw new SieveError(null, 'Too many arguments');
    const values = tokens.map((t) => {
      if (t.kind !== 'string') throw new SieveError(null, 'Expected a string');
      return t.value;
    });
    return { mechanism: utf8(values[0]!, 'Mechanism').toUpperCase(), initialResponse: values[1] ?? null };
  },
  async handle(ctx, { mechanism, initialResponse }) {
    const refused = mechanismRefusal(ctx, mechanism);
    if (refused) throw refused;
    let exchange: SaslExchange;
    try {
      exchange = ctx.deps.auth.startSasl(mechanism, ctx.connection);
    } catch (err) {
      return refusal(ctx, err);
    }
    let data: Buffer | null = initialResponse === null ? null : decode(initialResponse.toString('latin1').trim());
    let identity: Identity;
    let successData: Buffer | undefined;
    try {
      for (;;) {
        const step = await exchange.step(data);
        if (step.kind === 'success') {
          identity = step.identity;
          successData = step.data;
          break;
        }
        data = decode(await challenge(ctx, exchange, step.data));
      }
    } catch (err) {
      if (err instanceof SieveError) throw err;
      return refusal(ctx, err);
    }
    if (identity.isAnonymous) throw new SieveError('AUTH-TOO-WEAK', 'Anonymous users have no scripts');
    await ctx.loggedIn(identity);
    if (ctx.deps.settings.unsolicitedCapability) for (const line of ctx.capabilities()) ctx.out.line(line);
    const code = successData && successData.length > 0 ? { code: 'SASL' as const, value: successData.toString('base64') } : null;
    ctx.out.response('OK', code);
  },
});
