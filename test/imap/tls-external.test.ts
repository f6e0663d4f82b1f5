// Client certificates (tls_client_certs, tls_client_ca_file) and SASL EXTERNAL over IMAP STARTTLS:
// a verified certificate offers AUTH=EXTERNAL and logs its CN in; no certificate offers nothing
// (and is refused under "require"); a certificate of an unknown CA fails the connection; another
// authzid needs proxy rights, as with PLAIN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientHandshake, makeClientCerts, type ClientCerts, type KeyPair, type TlsLines } from '../common/client-certs.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let certs: ClientCerts;
const servers: TestServer[] = [];
beforeAll(() => {
  certs = makeClientCerts();
});
afterAll(async () => {
  for (const s of servers) await s.close();
  certs.cleanup();
});

async function serverWith(...lines: string[]): Promise<TestServer> {
  const server = await startTestServer({ conf: [...certs.serverConf, ...lines] });
  servers.push(server);
  return server;
}

/** STARTTLS with `cert` (or none): the session over TLS, or the error that ended the handshake or the connection. */
async function starttls(server: TestServer, cert: KeyPair | null): Promise<TlsLines | string> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('s', 'STARTTLS')).at(-1)).toMatch(/^s OK/);
  const outcome = await clientHandshake({ socket: c.socket, ...(cert ?? {}) }, false);
  if ('error' in outcome) return outcome.error;
  // The server refuses a certificate it cannot verify right after the handshake.
  try {
    await outcome.lines.command('c0 NOOP', 'c0 ');
  } catch {
    return 'closed';
  }
  return outcome.lines;
}

async function capabilities(session: TlsLines): Promise<string> {
  return (await session.command('c CAPABILITY', 'c '))[0]!;
}

const external = (authzid: string) => `AUTHENTICATE EXTERNAL ${authzid === '' ? '=' : Buffer.from(authzid).toString('base64')}`;

describe('tls_client_certs: optional (the default) with a client CA', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await serverWith();
  });

  it('a verified certificate offers AUTH=EXTERNAL, which logs in its CN', async () => {
    const session = await starttls(server, certs.fred);
    if (typeof session === 'string') throw new Error(session);
    expect(await capabilities(session)).toContain(' AUTH=EXTERNAL');
    expect((await session.command(`a ${external('')}`, 'a ')).at(-1)).toMatch(/^a OK/);
    // Logged in as fred: the mailbox it creates is fred's.
    expect((await session.command('b CREATE certbox', 'b ')).at(-1)).toMatch(/^b OK/);
    session.close();
    const c = await RawClient.connect(server.port);
    await c.command('x', 'LOGIN admin pass');
    expect((await c.command('y', 'LIST "" "user/fred/*"')).join('\n')).toMatch(/^\* LIST \([^)]*\) "\/" user\/fred\/certbox$/m);
    c.close();
  });

  it('takes the matching authzid, and refuses another user without proxy rights (nothing changes)', async () => {
    const same = await starttls(server, certs.fred);
    if (typeof same === 'string') throw new Error(same);
    expect((await same.command(`a ${external('fred')}`, 'a ')).at(-1)).toMatch(/^a OK/);
    same.close();
    const other = await starttls(server, certs.fred);
    if (typeof other === 'string') throw new Error(other);
    expect((await other.command(`a ${external('admin')}`, 'a ')).at(-1)).toMatch(/^a NO/);
    // Still not logged in.
    expect((await other.command('b SELECT INBOX', 'b ')).at(-1)).toMatch(/^b (NO|BAD)/);
    other.close();
  });

  it('an admin certificate may act as another user (proxy rights)', async () => {
    const session = await starttls(server, certs.admin);
    if (typeof session === 'string') throw new Error(session);
    expect((await session.command(`a ${external('fred')}`, 'a ')).at(-1)).toMatch(/^a OK/);
    expect((await session.command('b SELECT INBOX', 'b ')).at(-1)).toMatch(/^b OK/);
    session.close();
  });

  it('without a certificate EXTERNAL is not offered and not taken', async () => {
    const session = await starttls(server, null);
    if (typeof session === 'string') throw new Error(session);
    const caps = await capabilities(session);
    expect(caps).toContain(' AUTH=PLAIN');
    expect(caps).not.toContain('AUTH=EXTERNAL');
    expect((await session.command(`a ${external('')}`, 'a ')).at(-1)).toMatch(/^a NO/);
    session.close();
  });

  it('before TLS EXTERNAL is not offered', async () => {
    const c = await RawClient.connect(server.port);
    expect((await c.command('a', 'CAPABILITY'))[0]).not.toContain('EXTERNAL');
    c.close();
  });

  it('a certificate of another CA fails the connection, as in Cyrus', async () => {
    expect(await starttls(server, certs.stranger)).toEqual(expect.any(String));
  });
});

describe('tls_client_certs: require', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await serverWith('tls_client_certs: require');
  });

  it('refuses the handshake of a client without a certificate', async () => {
    expect(await starttls(server, null)).toEqual(expect.any(String));
  });

  it('refuses a certificate of another CA', async () => {
    expect(await starttls(server, certs.stranger)).toEqual(expect.any(String));
  });

  it('takes a verified certificate, and EXTERNAL logs it in', async () => {
    const session = await starttls(server, certs.fred);
    if (typeof session === 'string') throw new Error(session);
    expect(await capabilities(session)).toContain(' AUTH=EXTERNAL');
    expect((await session.command(`a ${external('')}`, 'a ')).at(-1)).toMatch(/^a OK/);
    session.close();
  });
});

describe('tls_crl_file', () => {
  it('refuses a revoked certificate and takes the others of its CA', async () => {
    const server = await serverWith(`tls_crl_file: ${certs.crlRevokingFred()}`);
    expect(await starttls(server, certs.fred)).toEqual(expect.any(String));
    const session = await starttls(server, certs.admin);
    if (typeof session === 'string') throw new Error(session);
    expect(await capabilities(session)).toContain(' AUTH=EXTERNAL');
    session.close();
  });
});

describe('tls_client_certs: off', () => {
  it('asks for no certificate: EXTERNAL is not offered even to a client that has one', async () => {
    const server = await serverWith('tls_client_certs: off');
    const session = await starttls(server, certs.fred);
    if (typeof session === 'string') throw new Error(session);
    expect(await capabilities(session)).not.toContain('EXTERNAL');
    session.close();
  });
});

describe('sasl_mech_list', () => {
  it('leaves EXTERNAL out when it does not list it', async () => {
    const server = await serverWith('sasl_mech_list: PLAIN');
    const session = await starttls(server, certs.fred);
    if (typeof session === 'string') throw new Error(session);
    expect(await capabilities(session)).not.toContain('EXTERNAL');
    session.close();
  });
});

