/** Cyrus's DIGEST=SHA1 on the wire: FETCH DIGEST.SHA1 is the SHA-1 of the message's bytes (as Cyrus 3.6 answers it). */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let c: RawClient;
const BODY = 'Subject: one\r\nMessage-ID: <one@x>\r\n\r\nbody\r\n';
const OTHER = 'Subject: two\r\n\r\nother body\r\n';
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

async function append(box: string, body: string): Promise<void> {
  c.write(`ap APPEND ${box} {${body.length}+}\r\n${body}\r\n`);
  expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
}

beforeAll(async () => {
  server = await startTestServer({ users: ['dig'] });
  c = await RawClient.connect(server.port);
  await c.command('l', 'LOGIN dig pass');
  await c.command('cr', 'CREATE Copies');
  await append('INBOX', BODY);
  await append('INBOX', OTHER);
});
afterAll(async () => {
  c.close();
  await server.close();
});

describe('DIGEST=SHA1', () => {
  it('is advertised, and FETCH DIGEST.SHA1 is the SHA-1 of each message as 40 hex digits', async () => {
    expect((await c.command('cap', 'CAPABILITY'))[0]).toMatch(/ DIGEST=SHA1( |$)/);
    await c.command('s', 'SELECT INBOX');
    expect(await c.command('f', 'FETCH 1:2 (DIGEST.SHA1)')).toEqual([
      `* 1 FETCH (DIGEST.SHA1 ${sha1(BODY)})`,
      `* 2 FETCH (DIGEST.SHA1 ${sha1(OTHER)})`,
      'f OK FETCH completed',
    ]);
    expect((await c.command('u', 'UID FETCH 2 (FLAGS DIGEST.SHA1 RFC822.SIZE)'))[0]).toBe(`* 2 FETCH (UID 2 FLAGS (\\Recent) DIGEST.SHA1 ${sha1(OTHER)} RFC822.SIZE ${OTHER.length})`);
  });

  it('is the same for a copy in another mailbox, and a bad item name is still BAD', async () => {
    await c.command('cp', 'COPY 1 Copies');
    await c.command('e', 'EXAMINE Copies');
    expect((await c.command('f', 'FETCH 1 (DIGEST.SHA1)'))[0]).toBe(`* 1 FETCH (DIGEST.SHA1 ${sha1(BODY)})`);
    expect((await c.command('b', 'FETCH 1 (DIGEST.MD5)')).at(-1)).toMatch(/^b BAD/);
  });
});
