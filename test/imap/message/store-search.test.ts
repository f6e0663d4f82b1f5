import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../harness.js';
import { appendTo, fredIn, seedMessages, startWithMessages } from './fixtures.js';

// Every test gets a fresh server and mailboxes, so each one passes alone and in any order.
let server: TestServer;
beforeEach(async () => {
  server = await startWithMessages();
  server.imap.deps.store.createMailbox('user.admin.shared', { acl: 'admin\tlrswipkxtecdan\tfred\tlrs\t' });
  await appendTo(server, 'user.admin.shared', [{ content: Buffer.from('Subject: s\r\n\r\nx\r\n') }]);
  server.imap.deps.store.createMailbox('user.fred.Search', { acl: 'fred\tlrswipkxtecdan\t' });
  await seedMessages(server, 'user.fred.Search');
}, 60_000);
afterEach(async () => {
  await server.close();
});

describe('STORE', () => {
  it('adds, removes and replaces flags and reports only what changed', async () => {
    const c = await fredIn(server);
    const add = await c.command('s1', 'STORE 1:2 +FLAGS (\\Answered)');
    expect(add).toEqual(['* 1 FETCH (UID 1 FLAGS (\\Answered \\Seen \\Recent))', '* 2 FETCH (UID 2 FLAGS (\\Answered \\Flagged $Important \\Recent))', 's1 OK STORE completed']);
    expect((await c.command('s2', 'STORE 1 +FLAGS (\\Answered)'))).toEqual(['s2 OK STORE completed']);
    expect((await c.command('s3', 'UID STORE 2 -FLAGS ($important \\Answered)'))[0]).toBe('* 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent))');
    // Work is a new keyword: FLAGS and PERMANENTFLAGS come first.
    const defined = await c.command('s4', 'STORE 3 FLAGS (Work \\Draft)');
    expect(defined[0]).toMatch(/^\* FLAGS \(.* Work\)$/);
    expect(defined[1]).toMatch(/^\* OK \[PERMANENTFLAGS \(.* Work \\\*\)\] Ok$/);
    expect(defined[2]).toBe('* 3 FETCH (UID 3 FLAGS (\\Draft Work \\Recent))');
    expect(await c.command('s5', 'STORE 3 FLAGS.SILENT ()')).toEqual(['s5 OK STORE completed']);
    // The silent change is not repeated by the sync after the next command.
    expect(await c.command('s6', 'NOOP')).toEqual(['s6 OK NOOP completed']);
    expect((await c.command('s7', 'FETCH 3 FLAGS'))[0]).toBe('* 3 FETCH (FLAGS (\\Recent))');
    c.close();
  });

  it('tells another session about the change at its next command', async () => {
    const a = await fredIn(server);
    const b = await fredIn(server);
    // message 1 starts \Seen; a claimed \Recent by selecting first, so b does not show it
    await a.command('t1', 'STORE 1 +FLAGS.SILENT (\\Answered)');
    expect(await b.command('t2', 'NOOP')).toEqual(['* 1 FETCH (UID 1 FLAGS (\\Answered \\Seen))', 't2 OK NOOP completed']);
    a.close();
    b.close();
  });

  it('refuses \\Recent, unknown system flags, read-only sessions and missing rights', async () => {
    const c = await fredIn(server);
    expect((await c.command('r1', 'STORE 1 +FLAGS (\\Recent)')).at(-1)).toBe('r1 BAD Invalid system flag in Store command');
    expect((await c.command('r2', 'STORE 1 +FLAGS (\\Frob)')).at(-1)).toBe('r2 BAD Invalid system flag in Store command');
    expect((await c.command('r3', 'STORE 1 FROB (\\Seen)')).at(-1)).toMatch(/^r3 BAD/);
    // Cyrus 3.6 answers OK for a STORE whose set names no message.
    expect((await c.command('r4', 'STORE 9 +FLAGS (\\Seen)')).at(-1)).toBe('r4 OK STORE completed');
    await c.command('r5', 'EXAMINE INBOX');
    expect((await c.command('r6', 'STORE 1 +FLAGS (\\Seen)')).at(-1)).toMatch(/^r6 NO \[READ-ONLY\]/);
    // fred has lrs on admin's mailbox: \Seen yes, \Flagged and \Deleted no.
    expect((await c.command('r7', 'SELECT "Other Users/admin/shared"')).at(-1)).toMatch(/^r7 OK/);
    expect((await c.command('r8', 'STORE 1 +FLAGS (\\Seen)'))[0]).toMatch(/^\* 1 FETCH \(UID 1 FLAGS \(\\Seen/);
    expect((await c.command('r9', 'STORE 1 +FLAGS (\\Flagged)')).at(-1)).toMatch(/^r9 NO \[NOPERM\]/);
    expect((await c.command('r10', 'STORE 1 +FLAGS (\\Deleted)')).at(-1)).toMatch(/^r10 NO \[NOPERM\]/);
    // A replacement changes only the \Seen this user may change.
    expect((await c.command('r11', 'STORE 1 FLAGS ()'))[0]).toMatch(/^\* 1 FETCH \(UID 1 FLAGS \(/);
    expect((await c.command('r12', 'FETCH 1 FLAGS'))[0]).not.toContain('\\Seen');
    c.close();
  });
});

describe('SEARCH', () => {
  it('matches flags, sizes, dates, headers and text', async () => {
    const c = await fredIn(server, 'EXAMINE Search');
    const search = async (criteria: string): Promise<string> => {
      const lines = await c.command('q', `SEARCH ${criteria}`);
      expect(lines.at(-1), criteria).toBe('q OK SEARCH completed');
      return lines[0]!;
    };
    expect(await search('ALL')).toBe('* SEARCH 1 2 3');
    expect(await search('FLAGGED')).toBe('* SEARCH 2');
    expect(await search('UNFLAGGED')).toBe('* SEARCH 1 3');
    expect(await search('SEEN')).toBe('* SEARCH 1');
    expect(await search('KEYWORD $important')).toBe('* SEARCH 2');
    expect(await search('UNKEYWORD $Important')).toBe('* SEARCH 1 3');
    expect(await search('LARGER 10000')).toBe('* SEARCH 3');
    expect(await search('SMALLER 400')).toBe('* SEARCH 1');
    expect(await search('BEFORE 5-Feb-2024')).toBe('* SEARCH 1');
    expect(await search('ON 5-Feb-2024')).toBe('* SEARCH 2');
    expect(await search('SINCE 5-Feb-2024')).toBe('* SEARCH 2 3');
    expect(await search('SENTON 10-Jan-2024')).toBe('* SEARCH 1');
    expect(await search('SENTBEFORE 20-Feb-2024')).toBe('* SEARCH 1 2');
    expect(await search('SENTSINCE 20-Feb-2024')).toBe('* SEARCH 3');
    expect(await search('FROM "fred foo"')).toBe('* SEARCH 1');
    expect(await search('TO fred@example.com')).toBe('* SEARCH 2 3');
    expect(await search('CC carol')).toBe('* SEARCH 1');
    expect(await search('BCC anyone')).toBe('* SEARCH');
    const literal = (text: string): string => `{${Buffer.byteLength(text)}+}\r\n${text}`;
    expect(await search(`CHARSET UTF-8 SUBJECT ${literal('grüße')}`)).toBe('* SEARCH 2');
    expect(await search(`CHARSET UTF-8 SUBJECT ${literal('GRÜSSE')}`)).toBe('* SEARCH');
    expect(await search(`CHARSET UTF-8 BODY ${literal('CAFÉ NOIR')}`)).toBe('* SEARCH 2');
    expect(await search('HEADER X-Tracking ALPHA')).toBe('* SEARCH 1');
    expect(await search('HEADER X-Tracking ""')).toBe('* SEARCH 1');
    expect(await search('BODY cafe')).toBe('* SEARCH 2');
    expect(await search('BODY "inner subject"')).toBe('* SEARCH 2');
    expect(await search('BODY "Hello world"')).toBe('* SEARCH');
    expect(await search('TEXT "hello WORLD"')).toBe('* SEARCH 1');
    expect(await search('TEXT "line 04999"')).toBe('* SEARCH 3');
    expect(await search('OR FLAGGED SEEN')).toBe('* SEARCH 1 2');
    expect(await search('NOT OR FLAGGED SEEN')).toBe('* SEARCH 3');
    expect(await search('(SEEN) (FROM fred)')).toBe('* SEARCH 1');
    expect(await search('2:* NOT 3')).toBe('* SEARCH 2');
    expect(await search('UID 1,3:*')).toBe('* SEARCH 1 3');
    // No session claimed these messages: EXAMINE shows them \Recent without claiming them (as Cyrus).
    expect(await search('NEW')).toBe('* SEARCH 2 3');
    expect(await search('OLD')).toBe('* SEARCH');
    expect(await search('RECENT')).toBe('* SEARCH 1 2 3');
    expect(await search('OR BODY nomatch TEXT fox')).toBe('* SEARCH 1');
    expect(await search('NOT BODY fox')).toBe('* SEARCH 2 3');
    const uid = await c.command('u', 'UID SEARCH FLAGGED');
    expect(uid[0]).toBe('* SEARCH 2');
    c.close();
  });

  it('answers ESEARCH for RETURN and BADCHARSET for unknown charsets', async () => {
    const c = await fredIn(server, 'EXAMINE Search');
    expect((await c.command('e1', 'SEARCH RETURN (MIN MAX COUNT ALL) 1:*'))[0]).toBe('* ESEARCH (TAG "e1") MIN 1 MAX 3 COUNT 3 ALL 1:3');
    expect((await c.command('e2', 'UID SEARCH RETURN () NOT 2'))[0]).toBe('* ESEARCH (TAG "e2") UID ALL 1,3');
    expect((await c.command('e3', 'SEARCH RETURN (COUNT) BCC nobody'))[0]).toBe('* ESEARCH (TAG "e3") COUNT 0');
    expect((await c.command('e4', 'SEARCH RETURN (MIN MAX) BCC nobody'))[0]).toBe('* ESEARCH (TAG "e4")');
    // SEARCHRES (RFC 5182): SAVE alone answers no ESEARCH.
    expect(await c.command('e5', 'SEARCH RETURN (SAVE) ALL')).toEqual(['e5 OK SEARCH completed']);
    expect((await c.command('e6', 'SEARCH CHARSET X-NO-SUCH ALL')).at(-1)).toMatch(/^e6 NO \[BADCHARSET \(UTF-8 US-ASCII [^)]*KOI8-R[^)]*\)\] Unsupported character set$/);
    expect((await c.command('e7', 'SEARCH CHARSET us-ascii ALL'))[0]).toBe('* SEARCH 1 2 3');
    for (const bad of ['SEARCH', 'SEARCH FROBNICATE', 'SEARCH FROM', 'SEARCH BEFORE 31-Feb-24', 'SEARCH (SEEN', 'SEARCH $$', 'SEARCH LARGER x']) {
      expect((await c.command('b', bad)).at(-1), bad).toMatch(/^b BAD/);
    }
    c.close();
  });
});
