import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusResponse } from '../../src/imap/wire/serialize/lists.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let defaults: TestServer;
let limited: TestServer;

beforeAll(async () => {
  defaults = await startTestServer();
  limited = await startTestServer({ conf: ['maxmessagesize: 1M'] });
});
afterAll(async () => {
  await defaults.close();
  await limited.close();
});

async function login(server: TestServer): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
  return c;
}

describe('STATUS APPENDLIMIT (RFC 7889)', () => {
  it('reports the same limit as the APPENDLIMIT capability', async () => {
    const c = await login(defaults);
    const cap = (await c.command('c', 'CAPABILITY'))[0]!.match(/ APPENDLIMIT=(\d+)/)![1];
    const lines = await c.command('s', 'STATUS INBOX (MESSAGES APPENDLIMIT)');
    expect(lines).toEqual([`* STATUS INBOX (MESSAGES 0 APPENDLIMIT ${cap})`, 's OK STATUS completed']);
    c.close();
  });

  it('follows maxmessagesize, in STATUS and in LIST-STATUS', async () => {
    const c = await login(limited);
    expect((await c.command('s', 'STATUS INBOX (APPENDLIMIT)'))[0]).toBe('* STATUS INBOX (APPENDLIMIT 1048576)');
    const listed = await c.command('l', 'LIST "" INBOX RETURN (STATUS (UIDNEXT APPENDLIMIT))');
    expect(listed).toContain('* STATUS INBOX (UIDNEXT 1 APPENDLIMIT 1048576)');
    expect(listed.at(-1)).toMatch(/^l OK/);
    c.close();
  });

  it('still refuses an unknown status item', async () => {
    const c = await login(defaults);
    expect((await c.command('s', 'STATUS INBOX (APPENDLIMITS)')).at(-1)).toMatch(/^s BAD/);
    c.close();
  });

  it('writes NIL for a mailbox without a limit', () => {
    expect(statusResponse('INBOX', [['APPENDLIMIT', null]])).toBe('* STATUS INBOX (APPENDLIMIT NIL)\r\n');
  });
});
