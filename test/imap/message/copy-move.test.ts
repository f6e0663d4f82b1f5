import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../harness.js';
import { fredIn, startWithMessages } from './fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startWithMessages();
  server.imap.deps.store.createMailbox('user.admin.drop', { acl: 'admin\tlrswipkxtecdan\tfred\tlr\t' });
}, 60_000);
afterAll(async () => {
  await server.close();
});

function uidValidityOf(name: string): number {
  const mailbox = server.imap.deps.store.openMailbox(name);
  try {
    return mailbox.status().uidValidity;
  } finally {
    mailbox.close();
  }
}

describe('COPY and MOVE', () => {
  it('copies with COPYUID, keeping flags and internal dates', async () => {
    const c = await fredIn(server);
    const before = (await c.command('c0', 'FETCH 1:2 (FLAGS INTERNALDATE)')).slice(0, 2);
    const copy = await c.command('c1', 'COPY 1:2 Archive');
    const uidValidity = uidValidityOf('user.fred.Archive');
    expect(copy).toEqual([`c1 OK [COPYUID ${uidValidity} 1:2 1:2] Completed`]);
    expect((await c.command('c3', 'UID COPY 3,1 Archive')).at(-1)).toBe(`c3 OK [COPYUID ${uidValidity} 1,3 3:4] Completed`);
    const a = await fredIn(server, 'EXAMINE Archive');
    const after = (await a.command('c4', 'FETCH 1:2 (FLAGS INTERNALDATE)')).slice(0, 2);
    // The copies are new to Archive: EXAMINE shows them \Recent (without claiming them, as Cyrus does).
    expect(after.every((l) => l.includes(' \\Recent)'))).toBe(true);
    const plain = (l: string) => l.replace(' \\Recent', '').replace('(\\Recent)', '()');
    expect(after.map(plain)).toEqual(before.map(plain));
    expect((await a.command('c5', 'SEARCH ALL'))[0]).toBe('* SEARCH 1 2 3 4');
    a.close();
    c.close();
  });

  it('answers TRYCREATE for a missing target and NOPERM without the insert right', async () => {
    const c = await fredIn(server);
    expect((await c.command('t1', 'COPY 1 Nowhere')).at(-1)).toBe('t1 NO [TRYCREATE] Mailbox does not exist');
    expect((await c.command('t2', 'MOVE 1 Nowhere')).at(-1)).toBe('t2 NO [TRYCREATE] Mailbox does not exist');
    expect((await c.command('t3', 'COPY 1 "Other Users/admin/drop"')).at(-1)).toMatch(/^t3 NO \[NOPERM\]/);
    expect((await c.command('t4', 'COPY 1 "Other Users/admin/secret"')).at(-1)).toBe('t4 NO [TRYCREATE] Mailbox does not exist');
    expect((await c.command('t5', 'COPY 9 Archive')).at(-1)).toBe('t5 NO No matching messages');
    expect((await c.command('t6', 'UID COPY 99 Archive')).at(-1)).toBe('t6 OK COPY completed');
    for (const bad of ['COPY', 'COPY 1', 'COPY x Archive', 'MOVE 1', 'UID MOVE Archive']) {
      expect((await c.command('b', bad)).at(-1), bad).toMatch(/^b BAD/);
    }
    await c.command('t7', 'EXAMINE INBOX');
    expect((await c.command('t8', 'MOVE 1 Archive')).at(-1)).toMatch(/^t8 NO/);
    c.close();
  });

  it('moves: untagged COPYUID first, then EXPUNGEs, then the tagged OK; others learn at their next command', async () => {
    const c = await fredIn(server);
    const other = await fredIn(server);
    server.imap.deps.store.createMailbox('user.fred.Moved', { acl: 'fred\tlrswipkxtecdan\t' });
    const uidValidity = uidValidityOf('user.fred.Moved');
    const move = await c.command('m1', 'MOVE 2:3 Moved');
    expect(move).toEqual([`* OK [COPYUID ${uidValidity} 2:3 1:2] Moved`, '* 3 EXPUNGE', '* 2 EXPUNGE', 'm1 OK MOVE completed']);
    expect((await c.command('m2', 'UID SEARCH ALL'))[0]).toBe('* SEARCH 1');
    // By sequence number the other session's FETCH must not see the EXPUNGEs; NOOP brings them.
    expect((await other.command('m3', 'FETCH 1 UID')).join('\n')).not.toMatch(/\* \d+ EXPUNGE/);
    expect(await other.command('m4', 'NOOP')).toEqual(['* 3 EXPUNGE', '* 2 EXPUNGE', 'm4 OK NOOP completed']);
    const m = await fredIn(server, 'EXAMINE Moved');
    expect((await m.command('m5', 'FETCH 1:* (FLAGS)')).slice(0, 2)).toEqual(['* 1 FETCH (FLAGS (\\Flagged $Important \\Recent))', '* 2 FETCH (FLAGS (\\Recent))']);
    const uidMove = await c.command('m6', 'UID MOVE 1 Moved');
    expect(uidMove).toEqual([`* OK [COPYUID ${uidValidity} 1 3] Moved`, '* 1 EXPUNGE', 'm6 OK MOVE completed']);
    m.close();
    other.close();
    c.close();
  });
});
