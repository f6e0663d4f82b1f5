// LMTP STARTTLS with a client certificate: LHLO's AUTH line lists EXTERNAL for a verified
// certificate (Cyrus's lmtpd lists every SASL mechanism on TCP), and AUTH EXTERNAL logs its CN in.
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClientCerts, tlsLines, type ClientCerts, type KeyPair, type TlsLines } from '../common/client-certs.js';
import { LmtpClient, startTestLmtp, type TestLmtp } from './harness.js';

let certs: ClientCerts;
let server: TestLmtp;
beforeAll(async () => {
  certs = makeClientCerts();
  server = await startTestLmtp({ conf: certs.serverConf });
}, 60_000);
afterAll(async () => {
  await server.close();
  certs.cleanup();
});

async function starttls(cert: KeyPair | null): Promise<{ session: TlsLines; auth: string }> {
  const c = await LmtpClient.connect({ port: server.port });
  await c.command('LHLO mta.example');
  expect(await c.command('STARTTLS')).toMatch(/^220 /);
  const secure = tls.connect({ socket: c.socket, rejectUnauthorized: false, ...(cert ?? {}) });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  const session = tlsLines(secure);
  const lhlo = await session.command('LHLO mta.example', '250 ');
  return { session, auth: lhlo.find((l) => l.startsWith('250-AUTH ') || l.startsWith('250 AUTH ')) ?? '' };
}

describe('LMTP AUTH EXTERNAL', () => {
  it('is listed with a verified certificate and logs its CN in', async () => {
    const { session, auth } = await starttls(certs.fred);
    expect(auth.split(' ')).toContain('EXTERNAL');
    expect((await session.command('AUTH EXTERNAL =', ''))[0]).toMatch(/^235 /);
    session.close();
  });

  it('is not listed without a certificate', async () => {
    const { session, auth } = await starttls(null);
    expect(auth).not.toBe('');
    expect(auth.split(' ')).not.toContain('EXTERNAL');
    session.close();
  });
});
