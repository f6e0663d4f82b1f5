/**
 * NOTIFY (RFC 5465) for changes made by another process: they reach the session through the
 * master's change hub (the channel IDLE uses), with no polling of the watched mailboxes.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

beforeAll(async () => {
  ensureBuilt();
  server = await startTestServer({ notify: true, users: ['fred'] });
});
afterAll(async () => {
  await server.close();
});

const appendFromChild = (mailbox: string): Promise<unknown> =>
  promisify(execFile)(process.execPath, [join(import.meta.dirname, 'fixtures', 'append-child.mjs'), join(server.dir, 'imapd.conf'), mailbox, '1']);

describe('NOTIFY and another process', () => {
  it('pushes the selected mailbox\'s new message and another mailbox\'s STATUS, with no command in progress', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('l', 'LOGIN fred pass');
    await c.command('c', 'CREATE Other');
    await c.command('s', 'SELECT INBOX');
    expect(await c.command('n', 'NOTIFY SET (selected (MessageNew (UID) MessageExpunge)) (mailboxes Other (MessageNew MessageExpunge))')).toEqual(['n OK NOTIFY completed']);
    await appendFromChild('user.fred');
    expect(await c.readUntil((l) => l.includes('FETCH'), 5000)).toEqual(['* 1 EXISTS', '* 1 RECENT', '* 1 FETCH (UID 1)']);
    await appendFromChild('user.fred.Other');
    expect(await c.readUntil((l) => l.startsWith('* STATUS'), 5000)).toEqual(['* STATUS Other (MESSAGES 1 UIDNEXT 2)']);
    c.close();
  }, 20_000);
});
