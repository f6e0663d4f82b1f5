/**
 * Asks a running saslauthd whether a password is right (sasl_pwcheck_method: saslauthd), so that
 * PAM, LDAP or shadow deployments work. Wire protocol: the client writes four strings (login,
 * password, service, realm), each as a 2-byte big-endian length and the bytes; saslauthd answers
 * with one such string starting "OK" or "NO".
 */
import { createConnection } from 'node:net';
import { MailError } from '../common/errors.js';

export interface SaslauthdRequest {
  login: string;
  password: string;
  service: string;
  realm: string;
}

function counted(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > 0xffff) throw new MailError('Limit', 'credential too long for saslauthd');
  const out = Buffer.alloc(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

/** Resolves true for "OK", false for "NO"; throws MailError Temp when saslauthd cannot be asked. */
export function askSaslauthd(socketPath: string, request: SaslauthdRequest, timeoutMs = 10_000): Promise<boolean> {
  const message = Buffer.concat([request.login, request.password, request.service, request.realm].map(counted));
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path: socketPath });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (err: Error | null, ok?: boolean) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err) reject(err);
      else resolve(ok ?? false);
    };
    socket.setTimeout(timeoutMs, () => finish(new MailError('Temp', 'saslauthd did not answer in time')));
    socket.on('connect', () => socket.write(message));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2) return;
      const length = received.readUInt16BE(0);
      if (received.length < 2 + length) return;
      const answer = received.subarray(2, 2 + length).toString('utf8');
      if (answer.startsWith('OK')) finish(null, true);
      else if (answer.startsWith('NO')) finish(null, false);
      else finish(new MailError('Temp', 'saslauthd gave an answer that is neither OK nor NO'));
    });
    socket.on('error', (err) => finish(new MailError('Temp', `cannot reach saslauthd: ${err.message}`)));
    socket.on('close', () => finish(new MailError('Temp', 'saslauthd closed the connection without an answer')));
  });
}
