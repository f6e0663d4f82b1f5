import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let plus: TestServer;
let minus: TestServer;

beforeAll(async () => {
  plus = await startTestServer();
  minus = await startTestServer({ conf: ['literalminus: yes'] });
});
afterAll(async () => {
  await plus.close();
  await minus.close();
});

const caps = async (c: RawClient): Promise<string[]> => (await c.command('c', 'CAPABILITY')).find((l) => l.startsWith('* CAPABILITY'))!.split(' ');

describe('literalminus', () => {
  it('default: LITERAL+ is advertised and a non-synchronising literal over 4096 bytes is read', async () => {
    const c = await RawClient.connect(plus.port);
    const list = await caps(c);
    expect(list).toContain('LITERAL+');
    expect(list).not.toContain('LITERAL-');
    await c.command('a', 'LOGIN fred pass');
    const body = `Subject: big\r\n\r\n${'x'.repeat(5000)}\r\n`;
    c.write(`b APPEND INBOX {${body.length}+}\r\n${body}\r\n`);
    expect((await c.readUntil((l) => l.startsWith('b '))).at(-1)).toMatch(/^b OK/);
    c.close();
  });

  it('literalminus: yes advertises LITERAL- only and accepts a 4096-byte non-synchronising literal', async () => {
    const c = await RawClient.connect(minus.port);
    const list = await caps(c);
    expect(list).toContain('LITERAL-');
    expect(list).not.toContain('LITERAL+');
    await c.command('a', 'LOGIN fred pass');
    const head = 'Subject: small\r\n\r\n';
    const body = head + 'y'.repeat(4096 - head.length);
    expect(body.length).toBe(4096);
    c.write(`b APPEND INBOX {4096+}\r\n${body}\r\n`);
    expect((await c.readUntil((l) => l.startsWith('b '))).at(-1)).toMatch(/^b OK/);
    expect((await c.command('s', 'STATUS INBOX (MESSAGES)')).join('\n')).toContain('(MESSAGES 1)');
    c.close();
  });

  it('literalminus: yes refuses a 4097-byte non-synchronising literal with BAD [TOOBIG] and BYE, storing nothing', async () => {
    const c = await RawClient.connect(minus.port);
    await c.command('a', 'LOGIN fred pass');
    const before = (await c.command('s', 'STATUS INBOX (MESSAGES)')).join('\n').match(/MESSAGES (\d+)/)![1];
    c.write(`b APPEND INBOX {4097+}\r\n${'z'.repeat(4097)}\r\n`);
    const lines = await c.readUntil((l) => l.startsWith('* BYE'));
    expect(lines).toContain('b BAD [TOOBIG] Non-synchronizing literal over 4096 bytes');
    const d = await RawClient.connect(minus.port);
    await d.command('a', 'LOGIN fred pass');
    expect((await d.command('s', 'STATUS INBOX (MESSAGES)')).join('\n')).toContain(`(MESSAGES ${before})`);
    d.close();
    c.close();
  });

  it('literalminus: yes still accepts a large synchronising literal', async () => {
    const c = await RawClient.connect(minus.port);
    await c.command('a', 'LOGIN fred pass');
    const body = `Subject: sync\r\n\r\n${'w'.repeat(8000)}\r\n`;
    c.write(`b APPEND INBOX {${body.length}}\r\n`);
    expect(await c.readLine()).toMatch(/^\+ /);
    c.write(`${body}\r\n`);
    expect((await c.readUntil((l) => l.startsWith('b '))).at(-1)).toMatch(/^b OK/);
    c.close();
  });
});
