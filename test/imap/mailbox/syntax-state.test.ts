import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from '../harness.js';
import { last, loggedIn } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  await server.close();
});

const COMMANDS = ['CREATE x', 'DELETE x', 'RENAME x y', 'SUBSCRIBE x', 'UNSUBSCRIBE x', 'LIST "" *', 'LSUB "" *', 'STATUS INBOX (MESSAGES)', 'APPEND INBOX {1+}\r\nx'];

describe('state and syntax', () => {
  it('refuses every mailbox command before login', async () => {
    const c = await RawClient.connect(server.port);
    for (const command of COMMANDS) expect(last(await c.command('n', command)), command).toBe('n BAD Please login first');
    c.close();
  });

  it('answers BAD to malformed arguments, in the authenticated and the selected state', async () => {
    const bad = [
      'CREATE', 'CREATE a b c', 'CREATE a (USE)', 'CREATE a (USE (Junk))', 'CREATE a (FOO (\\Junk))', 'CREATE "unterminated',
      'DELETE', 'DELETE a b', 'RENAME', 'RENAME a', 'RENAME a b c d', 'SUBSCRIBE', 'UNSUBSCRIBE a b',
      'LIST', 'LIST ""', 'LIST "" * RETURN', 'LIST "" * RETURN (BOGUS)', 'LIST (SUBSCRIBED "" *', 'LIST "" * RETURN (STATUS (BOGUS))',
      'LSUB', 'LSUB ""', 'LSUB "" * extra',
      'STATUS', 'STATUS INBOX', 'STATUS INBOX ()', 'STATUS INBOX (BOGUS)', 'STATUS INBOX MESSAGES',
      'APPEND', 'APPEND INBOX', 'APPEND INBOX (\\Seen)', 'APPEND INBOX "bad date" {1+}\r\nx', 'APPEND INBOX (\\Recent) {1+}\r\nx',
    ];
    // A connection is closed after imap_max_bad_commands (25): a fresh one per batch of 10.
    for (const select of [false, true]) {
      for (let i = 0; i < bad.length; i += 10) {
        const c = await loggedIn(server);
        if (select) await c.command('s', 'SELECT INBOX');
        for (const command of bad.slice(i, i + 10)) expect(last(await c.command('b', command)), command).toMatch(/^b BAD /);
        expect(last(await c.command('n', 'NOOP'))).toBe('n OK NOOP completed');
        c.close();
      }
    }
  });

  it('runs every mailbox command in the selected state', async () => {
    const c = await loggedIn(server);
    await c.command('s', 'SELECT INBOX');
    for (const [command, expected] of [
      ['CREATE Sel', 'OK'], ['SUBSCRIBE Sel', 'OK'], ['LIST "" Sel', 'OK'], ['LSUB "" Sel', 'OK'], ['STATUS Sel (MESSAGES)', 'OK'],
      ['APPEND Sel {1+}\r\nx', 'OK'], ['RENAME Sel Sel2', 'OK'], ['UNSUBSCRIBE Sel2', 'OK'], ['DELETE Sel2', 'OK'],
    ]) {
      expect(last(await c.command('t', command!)), command).toMatch(new RegExp(`^t ${expected}`));
    }
    c.close();
  });
});

describe('odd names', () => {
  it('keeps dots inside a component and round-trips modified UTF-7', async () => {
    const c = await loggedIn(server);
    for (const name of ['a..b', 'v1.2', '&ZeVnLIqe-', 'x&-y']) {
      expect(last(await c.command('c', `CREATE "${name}"`)), name).toMatch(/^c OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
      expect((await c.command('l', `LIST "" "${name}"`))[0], name).toBe(`* LIST (\\HasNoChildren) "/" ${name}`);
    }
    c.close();
  });

  it('refuses "%", empty components, 8-bit bytes and invalid modified UTF-7 in new names ("*" is allowed, as in Cyrus)', async () => {
    const c = await loggedIn(server);
    for (const name of ['a%', 'c//d', '/e', '&', '&-&', '&Jj', '&AGE-', '&ZeVnLIqe', 'caf\u00e9']) {
      expect(last(await c.command('c', `CREATE "${name}"`)), name).toMatch(/^c NO \[CANNOT\]/);
    }
    c.write(Buffer.concat([Buffer.from('r CREATE "raw'), Buffer.from([0xc3, 0xa9, 0xff]), Buffer.from('"\r\n')]));
    expect(await c.readLine()).toMatch(/^r (NO|BAD)/);
    expect(last(await c.command('n', 'NOOP'))).toBe('n OK NOOP completed');
    c.close();
  });

  it('treats INBOX case-insensitively, but only as the first component', async () => {
    const c = await loggedIn(server);
    expect(last(await c.command('c1', 'CREATE iNbOx/Kid'))).toMatch(/^c1 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
    expect((await c.command('l', 'LIST "" INBOX/Kid'))[0]).toBe('* LIST (\\HasNoChildren) "/" INBOX/Kid');
    expect(last(await c.command('c2', 'CREATE Top/inbox'))).toMatch(/^c2 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
    expect((await c.command('l', 'LIST "" Top/*'))[0]).toBe('* LIST (\\HasNoChildren) "/" Top/inbox');
    expect((await c.command('s', 'STATUS iNbOx (MESSAGES)'))[0]).toBe('* STATUS INBOX (MESSAGES 0)');
    c.close();
  });
});
