import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('ENABLE, ID and the read-only gate on the wire', () => {
  it('ENABLE lists nothing the server does not advertise', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('a1', 'LOGIN fred pass');
    expect(await c.command('a2', 'ENABLE CONDSTORE QRESYNC X-FOO')).toEqual(['* ENABLED CONDSTORE QRESYNC', 'a2 OK ENABLE completed']);
    c.close();
  });

  it('ID answers with the version of package.json', async () => {
    const c = await RawClient.connect(server.port);
    expect(await c.command('b1', 'ID NIL')).toEqual([`* ID ("name" "cyrusts" "vendor" "cyrusts" "version" "${VERSION}")`, 'b1 OK ID completed']);
    c.close();
  });

  it('a read-only selection refuses STORE, EXPUNGE and MOVE with READ-ONLY, after syntax checks', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('c1', 'LOGIN fred pass');
    await c.command('c2', 'EXAMINE INBOX');
    expect((await c.command('c3', 'STORE 1 +FLAGS (\\Recent)')).at(-1)).toBe('c3 BAD Invalid system flag in Store command');
    expect((await c.command('c4', 'STORE 1 +FLAGS (\\Seen)')).at(-1)).toBe('c4 NO [READ-ONLY] Mailbox is read-only');
    expect((await c.command('c5', 'EXPUNGE')).at(-1)).toBe('c5 NO [READ-ONLY] Mailbox is read-only');
    expect((await c.command('c6', 'UID MOVE 1 INBOX')).at(-1)).toBe('c6 NO [READ-ONLY] Mailbox is read-only');
    expect((await c.command('c7', 'COPY 1:* INBOX')).at(-1)).toMatch(/^c7 NO No matching messages|^c7 OK/);
    c.close();
  });
});
