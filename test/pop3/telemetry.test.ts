/**
 * Cyrus's per-user protocol telemetry for POP3: with {configdirectory}/log/USER present, a USER/PASS
 * session leaves `<pid>-<sessionid>` there, from the login's +OK on (never the PASS line).
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, PopClient, startPop3Server, type Pop3TestServer } from './harness.js';

let server: Pop3TestServer;

beforeAll(async () => {
  server = await startPop3Server({ users: ['fred', 'wilma'] });
  mkdirSync(join(server.dir, 'conf', 'log', 'fred'), { recursive: true });
  await server.deliver('fred', [message('traced', 'pop body text\r\n')]);
  await server.deliver('wilma', [message('untraced')]);
});
afterAll(async () => {
  await server.close();
});

const logDir = (user: string) => join(server.dir, 'conf', 'log', user);

async function traceHolding(user: string, until: string): Promise<{ name: string; text: string }> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const files = readdirSync(logDir(user));
    if (files.length === 1) {
      const text = readFileSync(join(logDir(user), files[0]!), 'latin1');
      if (text.includes(until)) return { name: files[0]!, text };
    }
    if (Date.now() > deadline) throw new Error(`no trace holding ${JSON.stringify(until)}: ${JSON.stringify(files)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('POP3 telemetry log (log/USER)', () => {
  it('traces a USER/PASS session from the login on, without the PASS line', async () => {
    const c = await PopClient.connect(server.port);
    expect(await c.command('USER fred')).toMatch(/^\+OK/);
    expect(await c.command('PASS pass')).toMatch(/^\+OK Mailbox locked and ready/);
    expect(await c.command('STAT')).toMatch(/^\+OK 1 /);
    const listed = await c.listing('RETR 1');
    expect(listed.status).toMatch(/^\+OK/);
    expect(await c.command('QUIT')).toMatch(/^\+OK/);
    c.close();
    const { name, text } = await traceHolding('fred', '<QUIT\r\n');
    expect(name).toMatch(new RegExp(`^${process.pid}-\\S+$`));
    expect(text).toMatch(/^---------- fred (Sun|Mon|Tue|Wed|Thu|Fri|Sat) \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n\n>\d{10}>\+OK Mailbox locked and ready/);
    expect(text).toMatch(/<\d{10}<STAT\r\n>\d{10}>\+OK 1 \d+\r\n/);
    expect(text).toMatch(/<\d{10}<RETR 1\r\n>\d{10}>\+OK[^]*pop body text\r\n\.\r\n/);
    expect(text).not.toContain('PASS');
    expect(text).not.toContain('USER fred');
  });

  it('writes nothing for a user without a directory', async () => {
    const c = await PopClient.login(server.port, 'wilma', 'pass');
    expect(await c.command('STAT')).toMatch(/^\+OK 1 /);
    expect(await c.command('QUIT')).toMatch(/^\+OK/);
    c.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(readdirSync(join(server.dir, 'conf', 'log'))).toEqual(['fred']);
  });
});
