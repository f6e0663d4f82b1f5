import { NOT_AUTHENTICATED } from '../session/state.js';
import { authFailure, loginSucceeded } from './login-common.js';
import { always, CommandFailure, defineCommand } from './types.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decode(text: string): Buffer {
  if (!BASE64.test(text)) throw new CommandFailure('BAD', null, 'Invalid base64 in authentication exchange');
  return Buffer.from(text, 'base64');
}

/** Mechanisms that send the password itself (plaintextloginalert applies to them). */
const PLAINTEXT_MECHANISMS = new Set(['PLAIN', 'LOGIN']);

/** AUTHENTICATE with SASL-IR (RFC 4959); "*" cancels (RFC 3501 section 6.2.2). */
export const authenticateCommand = defineCommand({
  name: 'AUTHENTICATE',
  states: NOT_AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const mechanism = command.mechanism.toUpperCase();
    let exchange;
    try {
      exchange = ctx.deps.auth.startSasl(mechanism, ctx.connection);
    } catch (err) {
      return authFailure(ctx, err);
    }
    const ir = command.initialResponse;
    let data: Buffer | null = ir === null ? null : ir === '' || ir === '=' ? Buffer.alloc(0) : decode(ir);
    try {
      for (;;) {
        const step = await exchange.step(data);
        if (step.kind === 'success') {
          if (step.data && step.data.length > 0) {
            const answer = await ctx.continuation(step.data.toString('base64'));
            if (answer === null) {
              exchange.abandon();
              throw new CommandFailure('BAD', null, 'Connection closed');
            }
            if (answer.trim() === '*') throw new CommandFailure('BAD', null, 'AUTHENTICATE cancelled');
          }
          return loginSucceeded(ctx, step.identity, { plaintext: PLAINTEXT_MECHANISMS.has(mechanism) });
        }
        const line = await ctx.continuation(step.data.toString('base64'));
        if (line === null) {
          exchange.abandon();
          throw new CommandFailure('BAD', null, 'Connection closed');
        }
        if (line.trim() === '*') {
          exchange.abort();
          throw new CommandFailure('BAD', null, 'AUTHENTICATE cancelled');
        }
        data = decode(line.trim());
      }
    } catch (err) {
      if (err instanceof CommandFailure) throw err;
      return authFailure(ctx, err);
    }
  },
});
