/**
 * NUL in APPEND data (RFC 3501 section 4.3: no NUL in a literal; RFC 3516: literal8 may hold any
 * octet). An ordinary literal with NUL is refused as Cyrus refuses it and changes nothing; the same
 * bytes as literal8 are stored (the NUL part base64-encoded).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type RawClient, type TestServer } from '../harness.js';
import { last, loggedIn } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  await server.close();
});

const b = (text: string): Buffer => Buffer.from(text, 'latin1');
const WITH_NUL = b('From: a@b.c\r\nSubject: nul\r\n\r\nab\x00cd\r\n');

/** APPEND `message` to `mailbox` as one non-synchronising literal (`~{n+}` when binary). */
async function append(c: RawClient, tag: string, mailbox: string, message: Buffer, binary: boolean): Promise<string[]> {
  c.write(Buffer.concat([b(`${tag} APPEND ${mailbox} ${binary ? '~' : ''}{${message.length}+}\r\n`), message, b('\r\n')]));
  return c.readUntil((line) => line.startsWith(`${tag} `));
}

async function status(c: RawClient, mailbox: string): Promise<string> {
  return (await c.command('st', `STATUS ${mailbox} (MESSAGES UIDNEXT)`))[0]!;
}

describe('APPEND with NUL', () => {
  it('refuses NUL in an ordinary literal and changes nothing', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Nul');
    const before = await status(c, 'Nul');
    expect(last(await append(c, 'a1', 'Nul', WITH_NUL, false))).toBe('a1 NO Message contains NUL characters');
    // NUL in a header, and a MULTIAPPEND whose second message has one: all refused
    expect(last(await append(c, 'a2', 'Nul', b('From: a@b.c\r\nSubject: a\x00b\r\n\r\nx\r\n'), false))).toBe('a2 NO Message contains NUL characters');
    const good = b('Subject: fine\r\n\r\nfine\r\n');
    c.write(Buffer.concat([b(`a3 APPEND Nul {${good.length}+}\r\n`), good, b(` {${WITH_NUL.length}+}\r\n`), WITH_NUL, b('\r\n')]));
    expect(last(await c.readUntil((line) => line.startsWith('a3 ')))).toBe('a3 NO Message contains NUL characters');
    expect(await status(c, 'Nul')).toBe(before);
    expect(before).toBe('* STATUS Nul (MESSAGES 0 UIDNEXT 1)');
    // the connection is still usable
    expect(last(await c.command('n', 'NOOP'))).toMatch(/^n OK/);
    c.close();
  });

  it('refuses NUL in a synchronising literal after the continuation', async () => {
    const c = await loggedIn(server);
    c.write(`s1 APPEND INBOX {${WITH_NUL.length}}\r\n`);
    expect(await c.readLine()).toMatch(/^\+ /);
    c.write(Buffer.concat([WITH_NUL, b('\r\n')]));
    expect(last(await c.readUntil((line) => line.startsWith('s1 ')))).toBe('s1 NO Message contains NUL characters');
    expect(await status(c, 'INBOX')).toBe('* STATUS INBOX (MESSAGES 0 UIDNEXT 1)');
    c.close();
  });

  it('accepts NUL in literal8 and never sends it back outside literal8', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Bin');
    expect(last(await append(c, 'b1', 'Bin', WITH_NUL, true))).toMatch(/^b1 OK \[APPENDUID \d+ 1\]/);
    await c.command('s', 'SELECT Bin');
    const text = (await c.command('f', 'FETCH 1 (BODYSTRUCTURE BODY.PEEK[] BINARY.PEEK[1])')).join('\r\n');
    expect(text).toContain('"BASE64"');
    expect(text).toContain('BODY[] {');
    expect(text).toContain('Content-Transfer-Encoding: base64\r\n\r\nYWIAY2QNCg==\r\n');
    expect(text).toContain('BINARY[1] ~{7}\r\nab\x00cd\r\n');
    expect(text.indexOf('\x00')).toBe(text.indexOf('BINARY[1] ~{7}\r\n') + 'BINARY[1] ~{7}\r\n'.length + 2);
    c.close();
  });

  it('refuses literal8 whose NUL cannot be re-encoded (in a header)', async () => {
    const c = await loggedIn(server);
    const before = await status(c, 'INBOX');
    expect(last(await append(c, 'h1', 'INBOX', b('From: a@b.c\r\nSubject: a\x00b\r\n\r\nx\r\n'), true))).toBe('h1 NO Message contains NUL characters');
    expect(await status(c, 'INBOX')).toBe(before);
    c.close();
  });
});
