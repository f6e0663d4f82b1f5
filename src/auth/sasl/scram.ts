/**
 * SCRAM-SHA-1 and SCRAM-SHA-256, server side (RFC 5802, RFC 7677), from stored keys: the password
 * is never needed. Channel binding is not offered (no -PLUS mechanisms): a client-first message
 * with "n" or "y" is accepted, "p=..." refused.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { MailError } from '../../common/errors.js';
import { saslprep } from '../saslprep.js';
import { digest, hmac, xor, type ScramHash } from '../scram-keys.js';
import type { ScramCredentials } from '../password-store.js';
import { utf8, type MechanismEnv, type MechanismStep, type ServerMechanism } from './types.js';

const invalid = (why: string) => new MailError('Invalid', `SCRAM: ${why}`);

/** saslname (RFC 5802 section 5.1): "=2C" is ",", "=3D" is "="; any other "=" is an error. */
export function decodeSaslname(text: string): string {
  if (/=(?!2C|3D)/.test(text)) throw invalid('bad escape in a name');
  return text.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/** Parse "k=v,k=v" attributes in order; a value may contain "=". */
function attributes(text: string): Array<[string, string]> {
  return text.split(',').map((part) => {
    if (part.length < 2 || part[1] !== '=' || !/^[a-zA-Z]$/.test(part[0]!)) throw invalid('malformed attribute');
    return [part[0]!, part.slice(2)];
  });
}

const PRINTABLE_NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function base64(text: string): Buffer {
  if (!BASE64.test(text)) throw invalid('bad base64');
  return Buffer.from(text, 'base64');
}

type State =
  | { phase: 'first' }
  | {
      phase: 'final';
      gs2Header: string;
      authzid: string;
      clientFirstBare: string;
      serverFirst: string;
      nonce: string;
      userid: string | null;
      credentials: ScramCredentials | null;
    }
  | { phase: 'done' };

export class ScramMechanism implements ServerMechanism {
  private state: State = { phase: 'first' };

  constructor(private readonly hash: ScramHash, private readonly env: MechanismEnv) {}

  async step(data: Buffer | null): Promise<MechanismStep> {
    const state = this.state;
    if (state.phase === 'first') {
      if (data === null || data.length === 0) return { kind: 'challenge', data: Buffer.alloc(0) };
      return this.clientFirst(utf8(data));
    }
    if (state.phase === 'final') {
      if (data === null) throw invalid('client-final message missing');
      return this.clientFinal(utf8(data), state);
    }
    throw invalid('exchange already finished');
  }

  private async clientFirst(message: string): Promise<MechanismStep> {
    // gs2-header: cbind-flag "," [authzid] ","
    const first = message.indexOf(',');
    const second = first < 0 ? -1 : message.indexOf(',', first + 1);
    if (second < 0) throw invalid('client-first message without GS2 header');
    const flag = message.slice(0, first);
    if (flag.startsWith('p=')) throw invalid('channel binding is not supported');
    if (flag !== 'n' && flag !== 'y') throw invalid('bad channel binding flag');
    const authzField = message.slice(first + 1, second);
    let authzid = '';
    if (authzField !== '') {
      if (!authzField.startsWith('a=')) throw invalid('bad authorization identity field');
      authzid = decodeSaslname(authzField.slice(2));
    }
    const gs2Header = message.slice(0, second + 1);
    const clientFirstBare = message.slice(second + 1);
    const attrs = attributes(clientFirstBare);
    if (attrs[0]?.[0] === 'm') throw invalid('mandatory extensions are not supported');
    if (attrs[0]?.[0] !== 'n' || attrs[1]?.[0] !== 'r') throw invalid('client-first message needs n= and r=');
    const login = saslprep(decodeSaslname(attrs[0][1]));
    const clientNonce = attrs[1][1];
    if (login.length === 0) throw invalid('empty user name');
    if (!PRINTABLE_NONCE.test(clientNonce)) throw invalid('bad client nonce');

    const found = await this.env.scramLookup(login, this.hash);
    const { userid, credentials } = found;
    const salt = found.credentials ? found.credentials.salt : found.fakeSalt;
    const iterations = credentials?.iterations ?? this.env.defaultIterations;
    const nonce = clientNonce + this.env.nonce();
    const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
    this.state = { phase: 'final', gs2Header, authzid, clientFirstBare, serverFirst, nonce, userid, credentials };
    return { kind: 'challenge', data: Buffer.from(serverFirst) };
  }

  private clientFinal(message: string, state: Extract<State, { phase: 'final' }>): MechanismStep {
    this.state = { phase: 'done' };
    const proofAt = message.lastIndexOf(',p=');
    if (proofAt < 0) throw invalid('client-final message without proof');
    const withoutProof = message.slice(0, proofAt);
    const attrs = attributes(withoutProof);
    if (attrs[0]?.[0] !== 'c' || attrs[1]?.[0] !== 'r') throw invalid('client-final message needs c= and r=');
    const binding = base64(attrs[0][1]);
    const proof = base64(message.slice(proofAt + 3));
    if (!binding.equals(Buffer.from(state.gs2Header, 'utf8'))) throw invalid('channel binding data does not match');
    if (attrs[1][1] !== state.nonce) throw invalid('nonce does not match');

    const authMessage = `${state.clientFirstBare},${state.serverFirst},${withoutProof}`;
    const credentials = state.credentials;
    // Without credentials the proof is checked against random keys, so both paths cost the same.
    const storedKey = credentials?.storedKey ?? digest(this.hash, randomBytes(32));
    const clientSignature = hmac(this.hash, storedKey, authMessage);
    const clientKey = proof.length === clientSignature.length ? xor(proof, clientSignature) : Buffer.alloc(clientSignature.length);
    const candidate = digest(this.hash, clientKey);
    const matches = timingSafeEqual(candidate, storedKey) && proof.length === clientSignature.length;
    if (!matches || credentials === null || state.userid === null) throw new MailError('AuthFailed', 'SCRAM proof does not match');
    const serverSignature = hmac(this.hash, credentials.serverKey, authMessage);
    return {
      kind: 'done',
      result: { kind: 'user', userid: state.userid, authzid: state.authzid, data: Buffer.from(`v=${serverSignature.toString('base64')}`) },
    };
  }
}
