// ManageSieve STARTTLS with a client certificate: the capabilities sent after the handshake list
// EXTERNAL in SASL only for a verified certificate, and AUTHENTICATE "EXTERNAL" logs its CN in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClientCerts, type ClientCerts, type KeyPair } from '../common/client-certs.js';
import { SieveClient, startSieveServer, type SieveTestServer } from './harness.js';

let certs: ClientCerts;
let server: SieveTestServer;
beforeAll(async () => {
  certs = makeClientCerts();
  server = await startSieveServer({ conf: certs.serverConf });
}, 60_000);
afterAll(async () => {
  await server?.close();
  certs.cleanup();
});

/** STARTTLS with `cert` (or none): the client and the SASL capability sent after the handshake. */
async function starttls(cert: KeyPair | null): Promise<{ client: SieveClient; sasl: string[] }> {
  const client = await SieveClient.connect(server);
  client.send('STARTTLS\r\n');
  expect((await client.response()).status).toBe('OK');
  await client.upgrade(cert ?? {});
  const caps = await client.response();
  const line = caps.lines.find((l) => l.startsWith('"SASL"')) ?? '';
  return { client, sasl: (/^"SASL" "([^"]*)"/.exec(line)?.[1] ?? '').split(' ') };
}

describe('ManageSieve SASL EXTERNAL', () => {
  it('is listed after a handshake with a verified certificate and logs its CN in', async () => {
    const { client, sasl } = await starttls(certs.fred);
    expect(sasl).toContain('EXTERNAL');
    expect((await client.command('AUTHENTICATE "EXTERNAL" ""')).status).toMatch(/^OK/);
    expect((await client.command('LISTSCRIPTS')).status).toBe('OK');
    client.close();
  });

  it('is not listed nor taken without a certificate', async () => {
    const { client, sasl } = await starttls(null);
    expect(sasl).toContain('PLAIN');
    expect(sasl).not.toContain('EXTERNAL');
    expect((await client.command('AUTHENTICATE "EXTERNAL" ""')).status).toMatch(/^NO/);
    client.close();
  });
});
