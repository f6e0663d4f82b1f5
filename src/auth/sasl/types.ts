/** The pieces shared by the SASL mechanisms (server side). */
import { MailError } from '../../common/errors.js';
import type { Identity } from '../identity.js';
import type { ScramCredentials } from '../password-store.js';
import type { ScramHash } from '../scram-keys.js';

/** What the protocol layer gets from one step of an exchange. */
export type SaslStep =
  | { kind: 'challenge'; data: Buffer }
  /** `data`: additional data with success (SCRAM's server-final message); a protocol without
   * that feature sends it as a last challenge and expects an empty answer. */
  | { kind: 'success'; identity: Identity; data?: Buffer };

/** How a mechanism ends: who proved itself, and as whom it wants to act. */
export type MechanismResult =
  | { kind: 'user'; userid: string; authzid: string; data?: Buffer }
  | { kind: 'anonymous'; trace: string }
  | { kind: 'external'; authzid: string };

export type MechanismStep = { kind: 'challenge'; data: Buffer } | { kind: 'done'; result: MechanismResult };

/** One mechanism's side of one exchange. `data` is null when the client sent no initial response. */
export interface ServerMechanism {
  step(data: Buffer | null): Promise<MechanismStep>;
}

/** What a SCRAM lookup finds: the user's keys, or a stable fake salt for an unknown user. */
export type ScramLookup =
  | { userid: string; credentials: ScramCredentials; fakeSalt?: undefined }
  | { userid: null; credentials: null; fakeSalt: Buffer };

/** What mechanisms may ask of the authenticator. */
export interface MechanismEnv {
  /** Canonical userid when `password` is right for `login`; throws MailError AuthFailed. */
  checkPassword(login: string, password: string): Promise<string>;
  /**
   * SCRAM keys for a login name; for an unknown one, credentials and userid are null and
   * `fakeSalt` is a salt that stays the same for that user and hash across processes and
   * restarts (so probing does not reveal which users exist).
   */
  scramLookup(login: string, hash: ScramHash): Promise<ScramLookup>;
  /** Iteration count to claim for unknown users. */
  defaultIterations: number;
  /** A fresh printable nonce (no ","). */
  nonce(): string;
}

/** Longest client message any mechanism accepts (bytes after base64 decoding). */
export const SASL_MAX_MESSAGE = 8192;

const DECODER = new TextDecoder('utf-8', { fatal: true });

/** Decode UTF-8, refusing invalid bytes (MailError Invalid). */
export function utf8(data: Buffer): string {
  try {
    return DECODER.decode(data);
  } catch {
    throw new MailError('Invalid', 'SASL message is not valid UTF-8');
  }
}
