/** SCRAM key derivation (RFC 5802 section 3), shared by the password store and the mechanism. */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';

export type ScramHash = 'sha1' | 'sha256';

export const SCRAM_HASH_BYTES: Record<ScramHash, number> = { sha1: 20, sha256: 32 };

export function hmac(hash: ScramHash, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(hash, key).update(data).digest();
}

export function digest(hash: ScramHash, data: Buffer): Buffer {
  return createHash(hash).update(data).digest();
}

/** Hi(password, salt, i) of RFC 5802: PBKDF2 with HMAC as the PRF. `password` is already SASLprepped. */
export function saltedPassword(hash: ScramHash, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, SCRAM_HASH_BYTES[hash], hash);
}

export function scramKeys(hash: ScramHash, password: string, salt: Buffer, iterations: number) {
  const salted = saltedPassword(hash, password, salt, iterations);
  const clientKey = hmac(hash, salted, 'Client Key');
  return {
    salt,
    iterations,
    storedKey: digest(hash, clientKey),
    serverKey: hmac(hash, salted, 'Server Key'),
  };
}

export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ (b[i] ?? 0);
  return out;
}
