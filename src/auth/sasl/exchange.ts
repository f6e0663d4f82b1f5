/**
 * A protocol-neutral SASL exchange: the protocol layer decodes base64 and feeds client messages
 * to step() (the initial response, or null when there was none, first); it gets challenges to
 * send, then success with an Identity. Failures throw MailError: AuthFailed, Invalid (malformed
 * message), Limit (message over SASL_MAX_MESSAGE), NoPerm (authzid not allowed). A client cancel
 * is the protocol's: it calls abort(); a client that goes away mid-exchange, abandon() (the
 * authenticator counts that as a failed attempt).
 */
import { MailError } from '../../common/errors.js';
import type { Identity } from '../identity.js';
import { AnonymousMechanism } from './anonymous.js';
import { ExternalMechanism } from './external.js';
import { LoginMechanism } from './login.js';
import { PlainMechanism } from './plain.js';
import { ScramMechanism } from './scram.js';
import { SASL_MAX_MESSAGE, type MechanismEnv, type MechanismResult, type SaslStep, type ServerMechanism } from './types.js';

export type MechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-1' | 'PLAIN' | 'LOGIN' | 'ANONYMOUS' | 'EXTERNAL';

export function createMechanism(name: MechanismName, env: MechanismEnv): ServerMechanism {
  switch (name) {
    case 'SCRAM-SHA-256':
      return new ScramMechanism('sha256', env);
    case 'SCRAM-SHA-1':
      return new ScramMechanism('sha1', env);
    case 'PLAIN':
      return new PlainMechanism(env);
    case 'LOGIN':
      return new LoginMechanism(env);
    case 'ANONYMOUS':
      return new AnonymousMechanism();
    case 'EXTERNAL':
      return new ExternalMechanism();
  }
}

/** What the authenticator does when an exchange ends badly. */
export interface ExchangeOutcomes {
  /** An error ended the exchange: returns the error to throw (it may carry more detail). */
  failed(err: unknown): unknown;
  /** The client went away before the exchange ended. */
  abandoned(): void;
}

export class SaslExchange {
  private state: 'running' | 'finished' | 'aborted' = 'running';

  constructor(
    private readonly mechanism: ServerMechanism,
    private readonly authorize: (result: MechanismResult) => Promise<Identity>,
    private readonly outcomes?: ExchangeOutcomes,
  ) {}

  get finished(): boolean {
    return this.state !== 'running';
  }

  async step(data: Buffer | null): Promise<SaslStep> {
    if (this.state === 'aborted') throw new MailError('Invalid', 'SASL exchange was cancelled');
    if (this.state === 'finished') throw new MailError('Invalid', 'SASL exchange already finished');
    if (data !== null && data.length > SASL_MAX_MESSAGE) {
      this.state = 'finished';
      throw new MailError('Limit', 'SASL message too long');
    }
    try {
      const step = await this.mechanism.step(data);
      if (step.kind === 'challenge') return step;
      const identity = await this.authorize(step.result);
      this.state = 'finished';
      const extra = step.result.kind === 'user' ? step.result.data : undefined;
      return extra ? { kind: 'success', identity, data: extra } : { kind: 'success', identity };
    } catch (err) {
      this.state = 'finished';
      throw this.outcomes ? this.outcomes.failed(err) : err;
    }
  }

  /** The client cancelled (IMAP "*"): the exchange ends without an identity. */
  abort(): void {
    if (this.state === 'running') this.state = 'aborted';
  }

  /** The client went away (connection closed) while the exchange was running: a failed attempt. */
  abandon(): void {
    if (this.state !== 'running') return;
    this.state = 'aborted';
    this.outcomes?.abandoned();
  }
}
