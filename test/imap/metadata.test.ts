/**
 * METADATA (RFC 5464) on the wire: GETMETADATA shapes and options, Cyrus's wildcards, SETMETADATA
 * with strings, literals, literal8 and NIL, all-or-nothing on errors, rights, RENAME and DELETE,
 * /private/specialuse against LIST. Shapes compared with Cyrus 3.6.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let n = 0;

async function login(user: string): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', `LOGIN ${user} pass`)).at(-1)).toMatch(/^l OK/);
  return c;
}

async function run(c: RawClient, command: string): Promise<string[]> {
  return c.command(`t${++n}`, command);
}

/** Send a command with literals: `parts` joined, waiting for each continuation. */
async function withLiterals(c: RawClient, parts: Array<string | Buffer>): Promise<string[]> {
  const tag = `t${++n}`;
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    c.write(k === 0 ? `${tag} ${part as string}` : part);
    if (k < parts.length - 1 && typeof part === 'string' && /\{\d+\}\r\n$/.test(part)) await c.readUntil((l) => l.startsWith('+'));
  }
  return c.readUntil((l) => l.startsWith(`${tag} `));
}

const last = (lines: string[]) => lines.at(-1)!.replace(/^t\d+ /, '');

describe('METADATA', () => {
  let admin: RawClient;
  beforeAll(async () => {
    server = await startTestServer({ users: ['admin', 'fred', 'alice', 'zoe', 'bob'], conf: ['unixhierarchysep: yes', 'autocreate_quota: -1', 'delete_mode: immediate', 'annotation_maxsize: 100', 'annotation_maxentries: 5', 'allowanonymouslogin: yes'] });
    admin = await login('admin');
    for (const name of ['user/fred', 'user/fred/work', 'user/alice', 'user/alice/shared']) expect(last(await run(admin, `CREATE ${name}`))).toMatch(/^OK/);
  });
  afterAll(async () => {
    admin?.close();
    await server?.close();
  });

  it('lists METADATA and METADATA-SERVER before and after login', async () => {
    const c = await RawClient.connect(server.port);
    expect((await c.command('c', 'CAPABILITY'))[0]).toMatch(/ METADATA METADATA-SERVER/);
    c.close();
    const f = await login('fred');
    expect((await run(f, 'CAPABILITY'))[0]).toMatch(/ METADATA METADATA-SERVER/);
    f.close();
  });

  it('sets and gets entries: one or a list, NIL for a missing one, quoted or literal values', async () => {
    const f = await login('fred');
    expect(last(await run(f, 'SETMETADATA work (/shared/comment "team notes" /private/comment "mine")'))).toMatch(/^OK/);
    expect(await run(f, 'GETMETADATA work /shared/comment')).toEqual(['* METADATA work ("/shared/comment" "team notes")', expect.stringMatching(/ OK/)]);
    const both = await run(f, 'GETMETADATA work (/Shared/Comment /private/comment /shared/nothere)');
    expect(both[0]).toBe('* METADATA work ("/private/comment" "mine" "/shared/comment" "team notes" "/shared/nothere" NIL)');
    // A literal value; one with a CR LF comes back as a literal.
    expect(last(await withLiterals(f, ['SETMETADATA work (/shared/comment {7}\r\n', 'two\r\nln', ')\r\n']))).toMatch(/^OK/);
    expect(await run(f, 'GETMETADATA work /shared/comment')).toEqual(['* METADATA work ("/shared/comment" {7}', 'two', 'ln)', expect.stringMatching(/ OK/)]);
    // literal8 with a NUL comes back as literal8.
    expect(last(await withLiterals(f, ['SETMETADATA work (/private/comment ~{3}\r\n', Buffer.from([0x61, 0, 0x62]), ')\r\n']))).toMatch(/^OK/);
    expect((await run(f, 'GETMETADATA work /private/comment'))[0]).toBe('* METADATA work ("/private/comment" ~{3}');
    // NIL deletes.
    expect(last(await run(f, 'SETMETADATA work (/private/comment NIL /shared/comment NIL)'))).toMatch(/^OK/);
    expect((await run(f, 'GETMETADATA work (/private/comment /shared/comment)'))[0]).toBe('* METADATA work ("/private/comment" NIL "/shared/comment" NIL)');
    f.close();
  });

  it('MAXSIZE leaves long values out with LONGENTRIES; DEPTH 0, 1 and infinity; trailing * and %', async () => {
    const f = await login('fred');
    expect(last(await run(f, 'SETMETADATA INBOX (/shared/comment "hello world" /private/comment "mine")'))).toMatch(/^OK/);
    const sized = await run(f, 'GETMETADATA (MAXSIZE 5) INBOX (/shared/comment /private/comment)');
    expect(sized).toEqual(['* METADATA INBOX ("/private/comment" "mine")', expect.stringMatching(/ OK \[METADATA LONGENTRIES 11\]/)]);
    expect(await run(f, 'GETMETADATA (MAXSIZE 5 DEPTH 0) INBOX /shared/comment')).toEqual([expect.stringMatching(/ OK \[METADATA LONGENTRIES 11\]/)]);
    const one = (await run(f, 'GETMETADATA (DEPTH 1) INBOX /shared'))[0]!;
    expect(one).toContain('"/shared" NIL "/shared/comment" "hello world"');
    expect(one).not.toContain('/vendor/cmu/cyrus-imapd/');
    const all = (await run(f, 'GETMETADATA (DEPTH infinity) INBOX /shared'))[0]!;
    expect(all).toContain('"/shared/vendor/cmu/cyrus-imapd/partition" "default"');
    expect(all).toMatch(/"\/shared\/vendor\/cmu\/cyrus-imapd\/uniqueid" "[^"]+"/);
    expect((await run(f, 'GETMETADATA INBOX (/shared/comm*)'))[0]).toBe('* METADATA INBOX ("/shared/comment" "hello world")');
    const percent = (await run(f, 'GETMETADATA INBOX "/shared/%"'))[0]!;
    expect(percent).toContain('"/shared/comment" "hello world"');
    expect(percent).not.toContain('vendor');
    const priv = (await run(f, 'GETMETADATA INBOX ("/private/*")'))[0]!;
    expect(priv).toBe('* METADATA INBOX ("/private/comment" "mine" "/private/specialuse" NIL)');
    expect(last(await run(f, 'GETMETADATA (DEPTH 2) INBOX /shared'))).toMatch(/^BAD/);
    f.close();
  });

  it('refuses bad names and values and then changes nothing of the command', async () => {
    const f = await login('fred');
    expect(last(await run(f, 'SETMETADATA work (/shared/comment "keep")'))).toMatch(/^OK/);
    const attempts: Array<[string, RegExp]> = [
      ['(/shared/comment "lost" /comment "x")', /^BAD/],
      ['(/shared/comment "lost" /shared/comment/ "x")', /^NO/],
      ['(/shared/comment "lost" /shared//comment "x")', /^NO/],
      ['(/shared/comment "lost" /shared/com*ment "x")', /^(NO|BAD)/],
      ['(/shared/comment "lost" /shared/unknown "x")', /^NO \[NOPERM\]/],
      ['(/shared/comment "lost" /shared/vendor/cmu/cyrus-imapd/size "1")', /^NO \[NOPERM\]/],
      ['(/shared/comment "lost" /shared/vendor/cmu/cyrus-imapd/expire "abc")', /^NO/],
      [`(/shared/comment "lost" /private/comment "${'x'.repeat(101)}")`, /^NO \[METADATA MAXSIZE 100\]/],
    ];
    for (const [args, answer] of attempts) expect(last(await run(f, `SETMETADATA work ${args}`)), args).toMatch(answer);
    expect((await run(f, 'GETMETADATA work /shared/comment'))[0]).toBe('* METADATA work ("/shared/comment" "keep")');
    expect(last(await run(f, 'GETMETADATA work comment'))).toMatch(/^BAD/);
    f.close();
  });

  it('answers TOOMANY past annotation_maxentries and keeps none of that command', async () => {
    const a = await login('admin');
    const vendor = (name: string) => `/shared/vendor/cmu/cyrus-imapd/${name}`;
    const five = ['/shared/comment', vendor('news2mail'), vendor('sieve'), vendor('squat'), vendor('duplicatedeliver')];
    const values = ['"v"', '"x"', '"y"', '"true"', '"true"'];
    expect(last(await run(a, `SETMETADATA user/fred/work (${five.slice(0, 4).map((e, k) => `${e} ${values[k]}`).join(' ')})`))).toMatch(/^OK/);
    // Five fit (annotation_maxentries: 5); a sixth, in a command that also changes a kept one, does not.
    expect(last(await run(a, `SETMETADATA user/fred/work (${five[4]} "true")`))).toMatch(/^OK/);
    expect(last(await run(a, `SETMETADATA user/fred/work (${vendor('expire')} "7" /shared/comment "changed")`))).toMatch(/^NO \[METADATA TOOMANY\]/);
    expect((await run(a, `GETMETADATA user/fred/work (/shared/comment ${vendor('expire')})`))[0]).toBe(`* METADATA user/fred/work ("/shared/comment" "v" "${vendor('expire')}" NIL)`);
    expect(last(await run(a, `SETMETADATA user/fred/work (${five.map((e) => `${e} NIL`).join(' ')})`))).toMatch(/^OK/);
    a.close();
  });

  it('server entries: anyone reads, admins write /shared, each user has its own /private', async () => {
    const a = await login('admin');
    const f = await login('fred');
    const al = await login('alice');
    expect(last(await run(f, 'SETMETADATA "" (/shared/comment "by fred")'))).toMatch(/^NO \[NOPERM\]/);
    expect(last(await run(a, 'SETMETADATA "" (/shared/comment "by admin")'))).toMatch(/^OK/);
    expect(last(await run(f, 'SETMETADATA "" (/private/comment "fred only")'))).toMatch(/^OK/);
    expect((await run(f, 'GETMETADATA "" (/shared/comment /private/comment)'))[0]).toBe('* METADATA "" ("/private/comment" "fred only" "/shared/comment" "by admin")');
    expect((await run(al, 'GETMETADATA "" (/shared/comment /private/comment)'))[0]).toBe('* METADATA "" ("/private/comment" NIL "/shared/comment" "by admin")');
    for (const c of [a, f, al]) c.close();
  });

  it('rights: l to see, r to read, rw for /shared, a for vendor entries, l for /private; admins all', async () => {
    const al = await login('alice');
    const f = await login('fred');
    const box = '"Other Users/alice/shared"';
    const adminBox = 'user/alice/shared';
    expect(last(await run(al, 'SETMETADATA shared (/shared/comment "alice says")'))).toMatch(/^OK/);
    // No rights: the mailbox does not exist for fred.
    expect(last(await run(f, `GETMETADATA ${box} /shared/comment`))).toMatch(/^NO \[NONEXISTENT\]/);
    expect(last(await run(f, `SETMETADATA ${box} (/private/comment "x")`))).toMatch(/^NO \[NONEXISTENT\]/);
    expect(last(await run(f, 'GETMETADATA "Other Users/alice/nosuch" /shared/comment'))).toMatch(/^NO \[NONEXISTENT\]/);
    // l only: nothing to read (no error, as Cyrus), a private entry may be written, shared may not.
    expect(last(await run(al, `SETACL shared fred l`))).toMatch(/^OK/);
    expect(await run(f, `GETMETADATA ${box} /shared/comment`)).toEqual([expect.stringMatching(/ OK/)]);
    expect(last(await run(f, `SETMETADATA ${box} (/private/comment "fred's")`))).toMatch(/^OK/);
    expect(last(await run(f, `SETMETADATA ${box} (/shared/comment "x")`))).toMatch(/^NO \[NOPERM\]/);
    // lr reads; lrw writes /shared/comment but not a vendor entry (needs a).
    expect(last(await run(al, `SETACL shared fred lr`))).toMatch(/^OK/);
    expect((await run(f, `GETMETADATA ${box} (/shared/comment /private/comment)`))[0]).toBe(`* METADATA ${box} ("/private/comment" "fred's" "/shared/comment" "alice says")`);
    expect(last(await run(f, `SETMETADATA ${box} (/shared/comment "x")`))).toMatch(/^NO \[NOPERM\]/);
    expect(last(await run(al, `SETACL shared fred lrw`))).toMatch(/^OK/);
    expect(last(await run(f, `SETMETADATA ${box} (/shared/comment "fred wrote")`))).toMatch(/^OK/);
    expect(last(await run(f, `SETMETADATA ${box} (/shared/vendor/cmu/cyrus-imapd/expire "3")`))).toMatch(/^NO \[NOPERM\]/);
    // fred's private comment is his: alice does not see it.
    expect((await run(al, 'GETMETADATA shared /private/comment'))[0]).toBe('* METADATA shared ("/private/comment" NIL)');
    // An administrator reads and writes every entry.
    const a = await login('admin');
    expect(last(await run(a, `SETMETADATA ${adminBox} (/shared/vendor/cmu/cyrus-imapd/expire "3")`))).toMatch(/^OK/);
    expect((await run(a, `GETMETADATA ${adminBox} (/shared/comment /shared/vendor/cmu/cyrus-imapd/expire)`))[0]).toBe(`* METADATA ${adminBox} ("/shared/comment" "fred wrote" "/shared/vendor/cmu/cyrus-imapd/expire" "3")`);
    for (const c of [a, f, al]) c.close();
  });

  it('keeps entries across RENAME and drops them with DELETE (a new mailbox of the name starts empty)', async () => {
    const f = await login('fred');
    const created = last(await run(f, 'CREATE old'));
    expect(created).toMatch(/^OK/);
    const uniqueId = /MAILBOXID \(([^)]+)\)/.exec(created)![1]!;
    expect(last(await run(f, 'SETMETADATA old (/shared/comment "travels" /private/comment "me too")'))).toMatch(/^OK/);
    expect(last(await run(f, 'RENAME old new'))).toMatch(/^OK/);
    expect((await run(f, 'GETMETADATA new (/shared/comment /private/comment)'))[0]).toBe('* METADATA new ("/private/comment" "me too" "/shared/comment" "travels")');
    expect(server.imap.deps.store.annotations.visible(uniqueId, 'fred')).toHaveLength(2);
    expect(last(await run(f, 'DELETE new'))).toMatch(/^OK/);
    expect(last(await run(f, 'GETMETADATA new /shared/comment'))).toMatch(/^NO \[NONEXISTENT\]/);
    expect(server.imap.deps.store.annotations.visible(uniqueId, 'fred')).toEqual([]);
    expect(last(await run(f, 'CREATE new'))).toMatch(/^OK/);
    expect((await run(f, 'GETMETADATA new (/shared/comment /private/comment)'))[0]).toBe('* METADATA new ("/private/comment" NIL "/shared/comment" NIL)');
    f.close();
  });

  it('/private/specialuse is the SPECIAL-USE that LIST and CREATE ... USE see', async () => {
    const f = await login('fred');
    expect(last(await run(f, 'CREATE Junkbox (USE (\\Junk))'))).toMatch(/^OK/);
    expect((await run(f, 'GETMETADATA Junkbox /private/specialuse'))[0]).toBe('* METADATA Junkbox ("/private/specialuse" "\\\\Junk")');
    expect(last(await run(f, 'SETMETADATA Junkbox (/private/specialuse "\\\\Archive")'))).toMatch(/^OK/);
    expect((await run(f, 'LIST "" Junkbox RETURN (SPECIAL-USE)'))[0]).toBe('* LIST (\\HasNoChildren \\Archive) "/" Junkbox');
    expect(last(await run(f, 'SETMETADATA Junkbox (/private/specialuse "\\\\Bogus")'))).toMatch(/^NO \[USEATTR\]/);
    expect(last(await run(f, 'SETMETADATA Junkbox (/private/specialuse NIL)'))).toMatch(/^OK/);
    expect((await run(f, 'LIST "" Junkbox RETURN (SPECIAL-USE)'))[0]).toBe('* LIST (\\HasNoChildren) "/" Junkbox');
    expect((await run(f, 'GETMETADATA Junkbox /private/specialuse'))[0]).toBe('* METADATA Junkbox ("/private/specialuse" NIL)');
    f.close();
  });

  it("a user's delete drops its private entries everywhere", async () => {
    const a = await login('admin');
    expect(last(await run(a, 'CREATE user/zoe'))).toMatch(/^OK/);
    const z = await login('zoe');
    expect(last(await run(z, 'SETMETADATA "" (/private/comment "zoe was here")'))).toMatch(/^OK/);
    z.close();
    expect(server.imap.deps.store.annotations.visible('', 'zoe').filter((r) => r.userid === 'zoe')).toHaveLength(1);
    expect(last(await run(a, 'SETACL user/zoe admin lrswipkxtecda'))).toMatch(/^OK/);
    expect(last(await run(a, 'DELETE user/zoe'))).toMatch(/^OK/);
    expect(server.imap.deps.store.annotations.visible('', 'zoe').filter((r) => r.userid === 'zoe')).toEqual([]);
    a.close();
  });

  it("a user's rename takes its private entries along", async () => {
    const a = await login('admin');
    expect(last(await run(a, 'CREATE user/bob'))).toMatch(/^OK/);
    const b = await login('bob');
    expect(last(await run(b, 'SETMETADATA "" (/private/comment "bob\'s note")'))).toMatch(/^OK/);
    b.close();
    expect(last(await run(a, 'SETACL user/bob admin lrswipkxtecda'))).toMatch(/^OK/);
    expect(last(await run(a, 'RENAME user/bob user/robert'))).toMatch(/^OK/);
    const annotations = server.imap.deps.store.annotations;
    expect(annotations.visible('', 'bob').filter((r) => r.userid !== '')).toEqual([]);
    expect(annotations.visible('', 'robert').filter((r) => r.userid === 'robert').map((r) => r.value.toString())).toEqual(["bob's note"]);
    a.close();
  });

  it('computed vendor entries tell true facts and are read-only: size in bytes, partition, uniqueid, sharedseen', async () => {
    const f = await login('fred');
    const created = last(await run(f, 'CREATE facts'));
    const uniqueId = /MAILBOXID \(([^)]+)\)/.exec(created)![1]!;
    const message = 'Subject: hi\r\n\r\nhello\r\n';
    expect(last(await withLiterals(f, [`APPEND facts {${message.length}}\r\n`, message + '\r\n']))).toMatch(/^OK/);
    const vendor = '/shared/vendor/cmu/cyrus-imapd';
    const got = (await run(f, `GETMETADATA facts (${vendor}/size ${vendor}/partition ${vendor}/uniqueid ${vendor}/sharedseen)`))[0];
    expect(got).toBe(`* METADATA facts ("${vendor}/partition" "default" "${vendor}/sharedseen" "false" "${vendor}/size" "${message.length}" "${vendor}/uniqueid" "${uniqueId}")`);
    for (const entry of ['size', 'partition', 'uniqueid', 'sharedseen']) expect(last(await run(f, `SETMETADATA facts (${vendor}/${entry} "1")`))).toMatch(/^NO \[NOPERM\]/);
    f.close();
  });

  it('pop3showafter takes an IMAP date-time or an RFC 5322 date and keeps it as the IMAP date-time in UTC (as Cyrus)', async () => {
    const entry = '/shared/vendor/cmu/cyrus-imapd/pop3showafter';
    expect(last(await run(admin, `SETMETADATA user/fred (${entry} "Mon, 1 Jan 2024 12:00:00 +0200")`))).toMatch(/^OK/);
    expect((await run(admin, `GETMETADATA user/fred ${entry}`))[0]).toBe(`* METADATA user/fred ("${entry}" " 1-Jan-2024 10:00:00 +0000")`);
    expect(last(await run(admin, `SETMETADATA user/fred (${entry} "02-Feb-2024 10:00:00 -0100")`))).toMatch(/^OK/);
    expect((await run(admin, `GETMETADATA user/fred ${entry}`))[0]).toBe(`* METADATA user/fred ("${entry}" " 2-Feb-2024 11:00:00 +0000")`);
    for (const bad of ['2024-01-01T10:00:00Z', '1704103200', 'bogus']) expect(last(await run(admin, `SETMETADATA user/fred (${entry} "${bad}")`))).toMatch(/^NO/);
    expect((await run(admin, `GETMETADATA user/fred ${entry}`))[0]).toContain('" 2-Feb-2024 11:00:00 +0000"');
    expect(last(await run(admin, `SETMETADATA user/fred (${entry} NIL)`))).toMatch(/^OK/);
  });

  it('anonymous has no private entries: NOPRIVATE', async () => {
    const c = await RawClient.connect(server.port);
    expect((await c.command('l', 'LOGIN anonymous guest')).at(-1)).toMatch(/^l OK/);
    expect(last(await run(c, 'SETMETADATA "" (/private/comment "who am I")'))).toMatch(/^NO \[METADATA NOPRIVATE\]/);
    expect(last(await run(c, 'SETMETADATA "" (/shared/comment "x")'))).toMatch(/^NO \[NOPERM\]/);
    expect(last(await run(c, 'GETMETADATA "" /shared/comment'))).toMatch(/^OK/);
    c.close();
  });
});
