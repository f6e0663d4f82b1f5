/**
 * Binary APPEND round trip (RFC 3516): parts sent in literal8 with Content-Transfer-Encoding binary
 * (or NUL in a 7bit/8bit part) are stored base64-encoded, as Cyrus does, so BODY[n] is an ordinary
 * literal without NUL and BINARY[n] gives back the original bytes (in literal8 when they hold NUL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from '../harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  await server.close();
});

const b = (text: string): Buffer => Buffer.from(text, 'latin1');
/** 0x00..0xff: NUL, bare CR and LF, 8-bit bytes. */
const DATA = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const HEAD = 'From: a@b.c\r\nSubject: binary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=xx\r\n\r\n';
const MULTIPART = Buffer.concat([
  b(`${HEAD}--xx\r\nContent-Type: text/plain\r\n\r\nhello\r\n--xx\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n`),
  DATA,
  b('\r\n--xx--\r\n'),
]);

async function loggedIn(): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  await c.command('l', 'LOGIN fred pass');
  return c;
}

async function append(c: RawClient, tag: string, mailbox: string, message: Buffer, binary: boolean): Promise<string> {
  c.write(Buffer.concat([b(`${tag} APPEND ${mailbox} ${binary ? '~' : ''}{${message.length}+}\r\n`), message, b('\r\n')]));
  return (await c.readUntil((line) => line.startsWith(`${tag} `))).at(-1)!;
}

/** The data of `label {n}` or `label ~{n}` in a response (latin1 text), with the literal's marker. */
function literalOf(text: string, label: string): { marker: string; data: string } {
  const match = new RegExp(`${label.replace(/[[\].]/g, '\\$&')} (~?)\\{(\\d+)\\}\\r\\n`).exec(text);
  if (match === null) throw new Error(`no ${label} in ${JSON.stringify(text.slice(0, 300))}`);
  const start = match.index + match[0].length;
  return { marker: match[1]!, data: text.slice(start, start + Number(match[2])) };
}

async function fetch(c: RawClient, tag: string, items: string): Promise<string> {
  return (await c.command(tag, `FETCH 1 ${items}`)).join('\r\n');
}

describe('binary APPEND', () => {
  it('stores a binary part as base64; BINARY[2] and BODY[2] answer as RFC 3516 and RFC 3501 say', async () => {
    const c = await loggedIn();
    await c.command('c', 'CREATE Bin1');
    expect(await append(c, 'a', 'Bin1', MULTIPART, true)).toMatch(/^a OK \[APPENDUID \d+ 1\]/);
    await c.command('s', 'EXAMINE Bin1');
    const binary = await fetch(c, 'f1', '(BINARY.PEEK[2] BINARY.SIZE[2] BINARY.PEEK[1])');
    expect(literalOf(binary, 'BINARY[2]')).toEqual({ marker: '~', data: DATA.toString('latin1') });
    expect(binary).toContain('BINARY.SIZE[2] 256');
    expect(literalOf(binary, 'BINARY[1]')).toEqual({ marker: '', data: 'hello' });
    const body = await fetch(c, 'f2', '(BODY.PEEK[2] BODY.PEEK[2.MIME] BODYSTRUCTURE RFC822.SIZE BODY.PEEK[])');
    const part = literalOf(body, 'BODY[2]');
    expect(part.marker).toBe('');
    expect(Buffer.from(part.data, 'latin1').toString()).toBe(`${DATA.toString('base64').match(/.{1,72}/g)!.join('\r\n')}\r\n`);
    expect(literalOf(body, 'BODY[2.MIME]').data).toBe('Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n');
    // BODYSTRUCTURE and RFC822.SIZE describe the stored (encoded) message
    expect(body).toContain(`("APPLICATION" "OCTET-STREAM" NIL NIL NIL "BASE64" ${part.data.length} NIL NIL NIL NIL)`);
    const whole = literalOf(body, 'BODY[]');
    expect(body).toContain(`RFC822.SIZE ${whole.data.length}`);
    expect(whole.data.includes('\x00')).toBe(false);
    c.close();
  });

  it('a top-level part with Content-Transfer-Encoding binary and no NUL is re-encoded too (as Cyrus)', async () => {
    const c = await loggedIn();
    await c.command('c', 'CREATE Bin2');
    const message = b('From: a@b.c\r\nSubject: b\r\nContent-Transfer-Encoding: binary\r\n\r\ncaf\xe9 a\nb\r\n');
    expect(await append(c, 'a', 'Bin2', message, true)).toMatch(/^a OK/);
    await c.command('s', 'EXAMINE Bin2');
    const text = await fetch(c, 'f', '(BODY.PEEK[1] BINARY.PEEK[1] BODYSTRUCTURE)');
    expect(literalOf(text, 'BODY[1]').data).toBe('Y2Fm6SBhCmINCg==\r\n');
    expect(literalOf(text, 'BINARY[1]')).toEqual({ marker: '', data: 'caf\xe9 a\nb\r\n' }); // the bare LF kept: it was data
    expect(text).toContain('"BASE64" 18 1');
    c.close();
  });

  it('an ordinary literal with Content-Transfer-Encoding binary is stored as sent (no NUL to protect)', async () => {
    const c = await loggedIn();
    await c.command('c', 'CREATE Bin3');
    const message = b('From: a@b.c\r\nSubject: b\r\nContent-Transfer-Encoding: binary\r\n\r\nhello\r\n');
    expect(await append(c, 'a', 'Bin3', message, false)).toMatch(/^a OK/);
    await c.command('s', 'EXAMINE Bin3');
    const text = await fetch(c, 'f', '(BODY.PEEK[] BINARY.PEEK[1])');
    expect(literalOf(text, 'BODY[]').data).toBe(message.toString('latin1'));
    expect(literalOf(text, 'BINARY[1]').data).toBe('hello\r\n');
    c.close();
  });
});
