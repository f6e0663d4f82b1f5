/**
 * IMAP and POP3 on one mailbox at once: IMAP sees POP3's deletions as expunges; a message an IMAP
 * client expunged answers -ERR on RETR in a POP3 session that listed it, and deleting it is no error.
 * Under popuseimapflags, RETR gives \Seen at QUIT and \Deleted messages are hidden.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../imap/harness.js';
import { message, PopClient, startPop3Server, type Pop3TestServer } from './harness.js';

let server: Pop3TestServer;
let flags: Pop3TestServer;
beforeAll(async () => {
  server = await startPop3Server({ imap: true });
  flags = await startPop3Server({ imap: true, conf: ['popuseimapflags: yes'] });
}, 60_000);
afterAll(async () => {
  await server.close();
  await flags.close();
});

async function imapLogin(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  const ok = await c.command('a', 'LOGIN fred pass');
  expect(ok.at(-1)).toMatch(/^a OK/);
  return c;
}

describe('IMAP and POP3 on the same mailbox', () => {
  it('shows POP3 deletions to an IMAP session as expunges', async () => {
    await server.deliver('fred', [message('p1'), message('p2'), message('p3')]);
    const imap = await imapLogin(server.imapPort);
    const selected = await imap.command('b', 'SELECT INBOX');
    expect(selected).toContain('* 3 EXISTS');
    const pop = await PopClient.login(server.port);
    expect(await pop.command('DELE 2')).toBe('+OK message deleted');
    // Not before UPDATE.
    expect((await imap.command('c', 'NOOP')).filter((l) => l.includes('EXPUNGE'))).toEqual([]);
    expect(await pop.command('QUIT')).toBe('+OK');
    const noop = await imap.command('d', 'NOOP');
    expect(noop).toContain('* 2 EXPUNGE');
    expect((await imap.command('e', 'UID SEARCH ALL')).join('\n')).toContain('* SEARCH 1 3');
    imap.close();
  });

  it('answers -ERR on RETR of a message IMAP expunged meanwhile; DELE and QUIT of it are no error', async () => {
    await server.deliver('fred', [message('q1')]);
    const pop = await PopClient.login(server.port);
    const { lines } = await pop.listing('LIST');
    const last = lines.length;
    const imap = await imapLogin(server.imapPort);
    await imap.command('b', 'SELECT INBOX');
    await imap.command('c', `STORE ${last} +FLAGS (\\Deleted)`);
    expect(await imap.command('d', 'EXPUNGE')).toContain(`* ${last} EXPUNGE`);
    expect(await pop.command(`RETR ${last}`)).toBe('-ERR No such message');
    expect(await pop.command(`DELE ${last}`)).toBe('+OK message deleted');
    expect(await pop.command('QUIT')).toBe('+OK');
    imap.close();
  });
});

describe('popuseimapflags: yes', () => {
  it('hides \\Deleted messages and sets \\Seen on what RETR sent, at QUIT', async () => {
    await flags.deliver('fred', [message('f1'), message('f2'), message('f3')]);
    const imap = await imapLogin(flags.imapPort);
    await imap.command('b', 'SELECT INBOX');
    await imap.command('c', 'STORE 2 +FLAGS (\\Deleted)');
    const pop = await PopClient.login(flags.port);
    expect(await pop.command('STAT')).toMatch(/^\+OK 2 /);
    expect(await pop.command('RETR 1')).toBe('+OK Message follows');
    await pop.multiline();
    expect(await pop.command('TOP 2 0')).toBe('+OK Message follows');
    await pop.multiline();
    const before = await imap.command('d', 'FETCH 1:3 (FLAGS)');
    expect(before.join('\n')).not.toContain('\\Seen');
    expect(await pop.command('QUIT')).toBe('+OK');
    const after = await imap.command('e', 'FETCH 1:3 (FLAGS)');
    expect(after.find((l) => l.startsWith('* 1 FETCH'))).toContain('\\Seen');
    expect(after.find((l) => l.startsWith('* 3 FETCH'))).not.toContain('\\Seen');
    imap.close();
  });
});
