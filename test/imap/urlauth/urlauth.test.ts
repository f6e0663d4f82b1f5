/** GENURLAUTH, URLFETCH (with URLAUTH=BINARY) and RESETKEY (RFC 4467, RFC 5524) on the wire. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internalToken } from '../../../src/imap/commands/urlauth/authorize.js';
import { RawClient, startTestServer, type TestServer } from '../harness.js';
import { last, loggedIn } from '../mailbox/helpers.js';

let server: TestServer;
const literal = (text: string) => `{${Buffer.byteLength(text)}+}\r\n${text}`;
const plain = 'Subject: plain\r\n\r\nplain body\r\n';
const multipart = [
  'Subject: mixed', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=XX', '', '--XX', 'Content-Type: text/plain', '',
  'first part', '--XX', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', '', 'AAECAw==', '--XX--', '',
].join('\r\n');
const base = 'imap://fred@mail.test/Docs';

beforeAll(async () => {
  server = await startTestServer({ users: ['fred', 'sam', 'submitter', 'admin'], conf: ['servername: Mail.Test', 'submitservers: submitter'] });
  const c = await loggedIn(server);
  await c.command('c', 'CREATE Docs');
  await c.command('a1', `APPEND Docs ${literal(plain)}`);
  await c.command('a2', `APPEND Docs ${literal(multipart)}`);
  c.close();
}, 60_000);
afterAll(async () => {
  await server.close();
});

/** GENURLAUTH each rump; the signed URLs. */
async function sign(c: RawClient, ...rumps: string[]): Promise<string[]> {
  const answer = await c.command('g', `GENURLAUTH ${rumps.map((r) => `"${r}" INTERNAL`).join(' ')}`);
  expect(last(answer)).toBe('g OK GENURLAUTH completed');
  return [...answer[0]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
}

/** URLFETCH one argument; the text between the quoted URL and the end of the response. */
async function fetch(c: RawClient, argument: string): Promise<string> {
  const answer = await c.command('u', `URLFETCH ${argument}`);
  expect(last(answer)).toBe('u OK URLFETCH completed');
  const text = answer.slice(0, -1).join('\r\n');
  expect(text.startsWith('* URLFETCH "')).toBe(true);
  return text.slice(text.indexOf('"', 12) + 2);
}

describe('GENURLAUTH and URLFETCH', () => {
  it('signs a rump URL and fetches the message, a section and a partial with it', async () => {
    const c = await loggedIn(server);
    const [whole, text, part] = await sign(c, `${base}/;UID=1;URLAUTH=anonymous`, `${base}/;uid=1/;section=TEXT;urlauth=authuser`, `${base}/;uid=1/;partial=2.5;urlauth=user+fred`);
    expect(whole).toMatch(/^imap:\/\/fred@mail\.test\/Docs\/;UID=1;URLAUTH=anonymous:internal:[0-9a-f]{64}$/);
    expect(await fetch(c, `"${whole}"`)).toBe(`{${plain.length}}\r\n${plain}`);
    expect(await fetch(c, `"${text}"`)).toBe('{12}\r\nplain body\r\n');
    expect(await fetch(c, `"${part}"`)).toBe('{5}\r\nbject');
    // Mechanism names compare case-insensitively; one response per URL.
    const two = await c.command('u2', `URLFETCH "${whole.replace(':internal:', ':INTERNAL:')}" "${text}"`);
    expect(two.filter((l) => l.startsWith('* URLFETCH'))).toHaveLength(2);
    c.close();
  });

  it('honours the access identifiers: anonymous, authuser, user+, submit+', async () => {
    const c = await loggedIn(server);
    const [anyone, auth, forSam, forSubmit] = await sign(c, `${base}/;uid=1;urlauth=anonymous`, `${base}/;uid=1;urlauth=authuser`, `${base}/;uid=1;urlauth=user+sam`, `${base}/;uid=1;urlauth=submit+fred`);
    c.close();
    const sam = await loggedIn(server, 'sam');
    for (const url of [anyone, auth, forSam]) expect(await fetch(sam, `"${url}"`)).toMatch(/^\{\d+\}\r\nSubject: plain/);
    expect(await fetch(sam, `"${forSubmit}"`)).toBe('NIL');
    sam.close();
    const fred = await loggedIn(server);
    expect(await fetch(fred, `"${forSam}"`)).toBe('NIL');
    expect(await fetch(fred, `"${forSubmit}"`)).toBe('NIL');
    fred.close();
    const submitter = await loggedIn(server, 'submitter');
    expect(await fetch(submitter, `"${forSubmit}"`)).toMatch(/^\{\d+\}\r\nSubject: plain/);
    submitter.close();
  });

  it('answers NIL for tampered, foreign, relative, unsigned and expired URLs and missing messages', async () => {
    const c = await loggedIn(server);
    const [good] = await sign(c, `${base}/;uid=1;urlauth=anonymous`);
    const token = good!.slice(-64);
    const key = server.imap.deps.store.accessKeys.find('fred', server.imap.deps.store.lookup('user.fred.Docs')!.uniqueId)!;
    const expiredRump = `${base}/;uid=1;expire=2001-01-01T00:00:00Z;urlauth=anonymous`;
    const futureRump = `${base}/;uid=1;expire=2999-01-01T00:00:00Z;urlauth=anonymous`;
    const missingRump = `${base}/;uid=42;urlauth=anonymous`;
    const nil = [
      good!.slice(0, -3) + (good!.endsWith('000') ? '111' : '000'),
      good!.replace(';uid=1;', ';uid=2;'),
      good!.replace('anonymous', 'authuser'),
      good!.replace('mail.test', 'other.test'),
      `/Docs/;uid=1;urlauth=anonymous:internal:${token}`,
      `${base}/;uid=1;urlauth=anonymous:xsample:${token}`,
      `${base}/;uid=1`,
      `${expiredRump}:internal:${internalToken(key, expiredRump)}`,
      `${missingRump}:internal:${internalToken(key, missingRump)}`,
      `${base}/;uid=1/;section=9;urlauth=anonymous:internal:${internalToken(key, `${base}/;uid=1/;section=9;urlauth=anonymous`)}`,
      'not a url',
    ];
    for (const url of nil) expect(await fetch(c, `"${url}"`), url).toBe('NIL');
    expect(await fetch(c, `"${futureRump}:internal:${internalToken(key, futureRump)}"`)).toMatch(/^\{\d+\}/);
    c.close();
  });

  it('answers NIL once the owner lost the read right', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Private');
    await c.command('a', `APPEND Private ${literal(plain)}`);
    const [url] = await sign(c, 'imap://fred@mail.test/Private/;uid=1;urlauth=anonymous');
    expect(await fetch(c, `"${url}"`)).toMatch(/^\{/);
    expect(last(await c.command('s', 'SETACL Private fred lkxan'))).toMatch(/^s OK/);
    expect(await fetch(c, `"${url}"`)).toBe('NIL');
    c.close();
  });

  it('URLAUTH=BINARY: BODY, BINARY (literal8 for NUL) and BODYPARTSTRUCTURE, each in parentheses', async () => {
    const c = await loggedIn(server);
    const [message, attachment, first] = await sign(c, `${base}/;uid=2;urlauth=anonymous`, `${base}/;uid=2/;section=2;urlauth=anonymous`, `${base}/;uid=2/;section=1;urlauth=anonymous`);
    expect(await fetch(c, `("${attachment}" BINARY BODYPARTSTRUCTURE)`)).toBe(
      '(BODYPARTSTRUCTURE ("APPLICATION" "OCTET-STREAM" NIL NIL NIL "BINARY" 4 NIL NIL NIL NIL)) (BINARY ~{4}\r\n\x00\x01\x02\x03)',
    );
    expect(await fetch(c, `("${attachment}" BODYPARTSTRUCTURE BODY)`)).toBe(
      '(BODYPARTSTRUCTURE ("APPLICATION" "OCTET-STREAM" NIL NIL NIL "BASE64" 8 NIL NIL NIL NIL)) (BODY {8}\r\nAAECAw==)',
    );
    expect(await fetch(c, `("${attachment}" BODY)`)).toBe('(BODY {8}\r\nAAECAw==)');
    expect(await fetch(c, `("${first}" binary)`)).toBe('(BINARY {10}\r\nfirst part)');
    const structure = await fetch(c, `("${message}" BODYPARTSTRUCTURE)`);
    expect(structure).toMatch(/^\(BODYPARTSTRUCTURE \(\("TEXT" "PLAIN" .*\) "MIXED" \("BOUNDARY" "XX"\) NIL NIL NIL\)\)$/);
    // Without parameters the enclosed form is the plain one; a bad URL is NIL in either form.
    expect(await fetch(c, `("${first}")`)).toBe('{10}\r\nfirst part');
    expect(await fetch(c, `("${first.replace(';uid=2', ';uid=3')}" BODY)`)).toBe('NIL');
    c.close();
  });

  it('refuses bad GENURLAUTH requests with BAD', async () => {
    const c = await loggedIn(server);
    const cases = [
      `"${base}/;uid=1;urlauth=anonymous" XSAMPLE`,
      `"${base}/;uid=1" INTERNAL`,
      `"${base}/;uid=1;urlauth=anonymous:internal:${'a'.repeat(64)}" INTERNAL`,
      `"imap://sam@mail.test/Docs/;uid=1;urlauth=anonymous" INTERNAL`,
      `"imap://fred@other.test/Docs/;uid=1;urlauth=anonymous" INTERNAL`,
      `"imap://mail.test/Docs/;uid=1;urlauth=anonymous" INTERNAL`,
      `"/Docs/;uid=1;urlauth=anonymous" INTERNAL`,
      `"${base}x/;uid=1;urlauth=anonymous" INTERNAL`,
      `"${base}/;uid=9;urlauth=anonymous" INTERNAL`,
      `"${base};uidvalidity=1/;uid=1;urlauth=anonymous" INTERNAL`,
      `"${base}/;uid=1;expire=2001-01-01T00:00:00Z;urlauth=anonymous" INTERNAL`,
      `"${base}/;uid=1;urlauth=someone" INTERNAL`,
      `"${base}/;uid=1;urlauth=anonymous"`,
      `"${base}/;uid=1;urlauth=anonymous" INTERNAL "${base}/;uid=1;urlauth=anonymous"`,
      '',
    ];
    for (const args of cases) {
      const answer = await c.command('g', `GENURLAUTH${args ? ' ' + args : ''}`);
      expect(answer, args).toHaveLength(1);
      expect(answer[0], args).toMatch(/^g BAD /);
    }
    expect((await c.command('g', `GENURLAUTH "imap://sam@mail.test/Docs/;uid=1;urlauth=anonymous" INTERNAL`))[0]).toMatch(/^g BAD .*for user sam$/);
    c.close();
  });

  it('refuses bad URLFETCH arguments with BAD', async () => {
    const c = await loggedIn(server);
    for (const args of ['', '("x" FOO)', '("x" BODY BINARY)', '("x" BODY BODY)', '()', '("x" BODY', '"x" ("y" BINARY']) {
      expect(last(await c.command('u', `URLFETCH${args ? ' ' + args : ''}`)), args).toMatch(/^u BAD /);
    }
    c.close();
  });

  it('is not allowed before login', async () => {
    const c = await RawClient.connect(server.port);
    for (const command of ['GENURLAUTH "imap://fred@mail.test/Docs/;uid=1;urlauth=anonymous" INTERNAL', 'URLFETCH "x"', 'RESETKEY']) {
      expect(last(await c.command('n', command))).toBe('n BAD Please login first');
    }
    c.close();
  });
});

describe('RESETKEY', () => {
  it('invalidates the URLs of one mailbox, then of all, and new ones differ', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Other');
    await c.command('a', `APPEND Other ${literal(plain)}`);
    const [docs, other] = await sign(c, `${base}/;uid=1;urlauth=anonymous`, 'imap://fred@mail.test/Other/;uid=1;urlauth=anonymous');
    expect(await c.command('s', 'EXAMINE Docs')).toContain('* OK [URLMECH INTERNAL] Ok');
    expect(last(await c.command('r1', 'RESETKEY Docs INTERNAL'))).toBe('r1 OK [URLMECH INTERNAL] Key removed');
    expect(await fetch(c, `"${docs}"`)).toBe('NIL');
    expect(await fetch(c, `"${other}"`)).toMatch(/^\{/);
    const [renewed] = await sign(c, `${base}/;uid=1;urlauth=anonymous`);
    expect(renewed).not.toBe(docs);
    expect(await fetch(c, `"${renewed}"`)).toMatch(/^\{/);
    expect(last(await c.command('r2', 'RESETKEY'))).toBe('r2 OK All keys removed');
    expect(await fetch(c, `"${other}"`)).toBe('NIL');
    expect(await fetch(c, `"${renewed}"`)).toBe('NIL');
    c.close();
  });

  it('answers NO for a missing mailbox or another mechanism, BAD for bad syntax', async () => {
    const c = await loggedIn(server);
    expect(last(await c.command('r1', 'RESETKEY Nowhere'))).toMatch(/^r1 NO /);
    expect(last(await c.command('r2', 'RESETKEY Docs XSAMPLE'))).toBe('r2 NO Unsupported URLAUTH mechanism XSAMPLE');
    expect(last(await c.command('r3', 'RESETKEY Docs INTERNAL ('))).toMatch(/^r3 BAD /);
    expect(last(await c.command('r4', 'RESETKEY "Docs'))).toMatch(/^r4 BAD /);
    c.close();
  });

  it('keys are kept across a restart of the store (mboxkey.db)', async () => {
    const c = await loggedIn(server);
    const [url] = await sign(c, `${base}/;uid=1;urlauth=anonymous`);
    c.close();
    const store = server.imap.deps.store;
    const uniqueId = store.lookup('user.fred.Docs')!.uniqueId;
    const before = store.accessKeys.find('fred', uniqueId)!;
    const { AccessKeyStore } = await import('../../../src/store/index.js');
    const reopened = new AccessKeyStore(`${server.config.configDirectory}/mboxkey.db`, false);
    expect(reopened.find('fred', uniqueId)).toEqual(before);
    reopened.close();
    expect(url!.endsWith(internalToken(before, url!.slice(0, url!.lastIndexOf(':internal:'))))).toBe(true);
  });
});
