// POP3 STLS with a client certificate: CAPA's SASL line offers EXTERNAL only with a verified
// certificate, and AUTH EXTERNAL logs in the certificate's CN (RFC 5034, "=" for an empty response).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientHandshake, makeClientCerts, type ClientCerts, type KeyPair, type TlsLines } from '../common/client-certs.js';
import { message, PopClient, startPop3Server, type Pop3TestServer } from './harness.js';

let certs: ClientCerts;
let server: Pop3TestServer;
beforeAll(async () => {
  certs = makeClientCerts();
  server = await startPop3Server({ conf: certs.serverConf, users: ['fred', 'barney'] });
  await server.deliver('barney', [message('for barney')]);
  await server.deliver('fred', [message('for fred')]);
}, 60_000);
afterAll(async () => {
  await server.close();
  certs.cleanup();
});

async function stls(cert: KeyPair | null): Promise<TlsLines> {
  const c = await PopClient.connect(server.port);
  expect(await c.command('STLS')).toMatch(/^\+OK/);
  const outcome = await clientHandshake({ socket: c.socket, ...(cert ?? {}) }, false);
  if ('error' in outcome) throw new Error(outcome.error);
  return outcome.lines;
}

async function saslLine(session: TlsLines): Promise<string> {
  const capa = await session.command('CAPA', '.');
  return capa.find((line) => line.startsWith('SASL')) ?? '';
}

describe('POP3 AUTH EXTERNAL', () => {
  it('is offered after STLS with a verified certificate and logs its CN in', async () => {
    const session = await stls(certs.fred);
    expect((await saslLine(session)).split(' ')).toContain('EXTERNAL');
    expect((await session.command('AUTH EXTERNAL =', ''))[0]).toMatch(/^\+OK/);
    expect((await session.command('STAT', ''))[0]).toBe('+OK 1 ' + String(Buffer.byteLength(message('for fred'))));
    session.close();
  });

  it('is neither offered nor taken without a certificate', async () => {
    const session = await stls(null);
    expect((await saslLine(session)).split(' ')).not.toContain('EXTERNAL');
    expect((await session.command('AUTH EXTERNAL =', ''))[0]).toMatch(/^-ERR/);
    session.close();
  });

  it('refuses another user as authzid without proxy rights', async () => {
    const session = await stls(certs.fred);
    expect((await session.command(`AUTH EXTERNAL ${Buffer.from('barney').toString('base64')}`, ''))[0]).toMatch(/^-ERR/);
    expect((await session.command('STAT', ''))[0]).toMatch(/^-ERR/);
    session.close();
  });
});
