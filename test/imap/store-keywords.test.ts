import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  const c = await login();
  const body = 'Subject: k\r\n\r\nbody\r\n';
  c.write(`ap APPEND INBOX (seen-before) {${body.length}+}\r\n${body}\r\n`);
  expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
  c.close();
});
afterAll(async () => {
  await server.close();
});

async function login(): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
  return c;
}

const SYSTEM = '\\Answered \\Flagged \\Draft \\Deleted \\Seen';

describe('FLAGS after STORE defines a keyword', () => {
  it('tells the storing session before its FETCH, and the others at their next update, once', async () => {
    const a = await login();
    const b = await login();
    const e = await login();
    expect(await a.command('s', 'SELECT INBOX')).toContain(`* FLAGS (${SYSTEM} seen-before)`);
    await b.command('s', 'SELECT INBOX');
    await e.command('s', 'EXAMINE INBOX');

    const stored = await a.command('t', 'STORE 1 +FLAGS (foo)');
    expect(stored).toEqual([
      `* FLAGS (${SYSTEM} seen-before foo)`,
      `* OK [PERMANENTFLAGS (${SYSTEM} seen-before foo \\*)] Ok`,
      '* 1 FETCH (UID 1 FLAGS (seen-before foo \\Recent))',
      't OK STORE completed',
    ]);
    const other = await b.command('n', 'NOOP');
    expect(other.slice(0, 3)).toEqual([
      `* FLAGS (${SYSTEM} seen-before foo)`,
      `* OK [PERMANENTFLAGS (${SYSTEM} seen-before foo \\*)] Ok`,
      '* 1 FETCH (UID 1 FLAGS (seen-before foo))',
    ]);
    const readOnly = await e.command('n', 'NOOP');
    expect(readOnly).toContain(`* FLAGS (${SYSTEM} seen-before foo)`);
    expect(readOnly).toContain('* OK [PERMANENTFLAGS ()] Ok');

    // A keyword already told about (in any spelling) brings no new FLAGS.
    const again = await a.command('u', 'STORE 1 -FLAGS (FOO)');
    expect(again.filter((l) => l.startsWith('* FLAGS') || l.includes('PERMANENTFLAGS'))).toEqual([]);
    await a.command('v', 'STORE 1 +FLAGS (Foo)');
    expect((await b.command('n', 'NOOP')).filter((l) => l.startsWith('* FLAGS'))).toEqual([]);
    for (const c of [a, b, e]) c.close();
  });

  it('sends FLAGS also for STORE .SILENT, without the FETCH', async () => {
    const a = await login();
    await a.command('s', 'SELECT INBOX');
    const stored = await a.command('t', 'STORE 1 +FLAGS.SILENT (bar)');
    expect(stored[0]).toMatch(/^\* FLAGS \(.* bar\)$/);
    expect(stored[1]).toMatch(/^\* OK \[PERMANENTFLAGS \(.* bar \\\*\)\] Ok$/);
    expect(stored.some((l) => l.includes('FETCH'))).toBe(false);
    a.close();
  });
});
