// Sieve at LMTP delivery: the recipient's active script, read from sievedir in Cyrus's layout
// (sievedir/<first letter>/<user>/NAME.script, the active one named by the defaultbc symlink),
// decides where the message goes; redirects, vacation replies and rejection notices leave through
// the `sendmail` program, here a shell script that writes what it was given to a folder.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestLmtp, type TestLmtp } from './harness.js';
import { activate, deliver, fakeSendmail, mail, messagesWith, newestFlags, sent } from './sieve-helpers.js';

function deactivate(sieveDir: string, user: string): void {
  rmSync(join(sieveDir, user[0]!, user), { recursive: true, force: true });
}

async function count(server: TestLmtp, mailbox: string, id: string): Promise<number> {
  return (await messagesWith(server, mailbox, id)).length;
}

describe('Sieve at LMTP delivery', () => {
  let server: TestLmtp;
  let outbox: string;
  let sieveDir: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cyrusts-sieve-lmtp-'));
    sieveDir = join(dir, 'sieve');
    const fake = fakeSendmail(dir);
    outbox = fake.outbox;
    server = await startTestLmtp({ users: ['fred', 'joe'], conf: [`sievedir: ${sieveDir}`, `sendmail: ${fake.program}`] });
    server.store.createMailbox('user.fred.Lists', { acl: 'fred\tlrswipkxtecdan\t' });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const f of readdirSync(outbox)) rmSync(join(outbox, f));
    deactivate(sieveDir, 'fred');
    deactivate(sieveDir, 'joe');
  });

  it('keeps the message in INBOX when the user has no active script', async () => {
    expect(await deliver(server, 'a@example.org', ['fred'], mail('none'))).toEqual([expect.stringMatching(/^250 2\.1\.5/)]);
    expect(await count(server, 'user.fred', 'none')).toBe(1);
  });

  it('files by a header test into a folder, with imap4flags flags, and keeps what does not match', async () => {
    activate(sieveDir, 'fred', 'require ["fileinto", "imap4flags"];\nif header :contains "List-Id" "announce" {\n  addflag "\\\\Flagged";\n  fileinto "Lists";\n}\n');
    await deliver(server, 'a@example.org', ['fred'], mail('listed', ['List-Id: <announce.example.org>']));
    await deliver(server, 'a@example.org', ['fred'], mail('plain'));
    expect([await count(server, 'user.fred.Lists', 'listed'), await count(server, 'user.fred', 'listed')]).toEqual([1, 0]);
    expect(newestFlags(server, 'user.fred.Lists', 'fred')).toEqual(['\\Flagged']);
    expect([await count(server, 'user.fred.Lists', 'plain'), await count(server, 'user.fred', 'plain')]).toEqual([0, 1]);
  });

  it('ignores the flags a message cannot have (\\Recent, no IMAP atom, too long) and delivers with the rest (RFC 5232 section 2)', async () => {
    const long = 'k'.repeat(101);
    activate(sieveDir, 'fred', `require ["fileinto", "imap4flags"];\naddflag ["\\\\Recent", "bad]kw", "${long}", "Good", "\\\\Seen"];\nif header :contains "List-Id" "announce" {\n  fileinto :flags ["\\\\Bogus", "Also"] "Lists";\n}\nkeep;\n`);
    const replies = await deliver(server, 'a@example.org', ['fred'], mail('badflags', ['List-Id: <announce.example.org>']));
    expect(replies).toEqual([expect.stringMatching(/^250 2\.1\.5/)]);
    expect(newestFlags(server, 'user.fred', 'fred').sort()).toEqual(['Good', '\\Seen']);
    expect(newestFlags(server, 'user.fred.Lists', 'fred')).toEqual(['Also']);
  });

  it('keeps the message in INBOX when fileinto names a missing folder, and creates it with :create', async () => {
    activate(sieveDir, 'fred', 'require ["fileinto"];\nfileinto "Nowhere";\n');
    await deliver(server, 'a@example.org', ['fred'], mail('nowhere'));
    expect(server.store.lookup('user.fred.Nowhere')).toBeNull();
    expect(await count(server, 'user.fred', 'nowhere')).toBe(1);
    activate(sieveDir, 'fred', 'require ["fileinto", "mailbox"];\nfileinto :create "Made/Here";\n');
    await deliver(server, 'a@example.org', ['fred'], mail('made'));
    expect(await count(server, 'user.fred.Made.Here', 'made')).toBe(1);
    expect(server.store.lookup('user.fred.Made')).not.toBeNull();
    expect(await count(server, 'user.fred', 'made')).toBe(0);
  });

  it('never files into a mailbox of another user the script owner may not post to', async () => {
    activate(sieveDir, 'fred', 'require ["fileinto"];\nfileinto "Other Users/joe";\n');
    await deliver(server, 'a@example.org', ['fred'], mail('intruder'));
    expect(await count(server, 'user.joe', 'intruder')).toBe(0);
    expect(await count(server, 'user.fred', 'intruder')).toBe(1);
  });

  it('discards: 250 and nothing stored', async () => {
    activate(sieveDir, 'fred', 'if address :domain "from" "spam.example" { discard; stop; }\n');
    const replies = await deliver(server, 'a@example.org', ['fred'], mail('spam', []).replace('sender@example.org', 'x@spam.example'));
    expect(replies).toEqual([expect.stringMatching(/^250 2\.1\.5/)]);
    expect(await count(server, 'user.fred', 'spam')).toBe(0);
  });

  it('rejects one recipient with the script\'s reason (550 5.7.1) while the other gets the message', async () => {
    activate(sieveDir, 'fred', 'require ["reject"];\nreject "I do not want mail from you.";\n');
    const replies = await deliver(server, 'a@example.org', ['fred', 'joe'], mail('rejected'));
    expect(replies).toEqual([expect.stringMatching(/^550 5\.7\.1 I do not want mail from you\./), expect.stringMatching(/^250 2\.1\.5/)]);
    expect([await count(server, 'user.fred', 'rejected'), await count(server, 'user.joe', 'rejected')]).toEqual([0, 1]);
  });

  it('redirects through sendmail with the envelope sender, once per Message-ID, and keeps a copy with :copy', async () => {
    activate(sieveDir, 'fred', 'redirect "elsewhere@example.net";\n');
    await deliver(server, 'origin@example.org', ['fred'], mail('moved'));
    await deliver(server, 'origin@example.org', ['fred'], mail('moved')); // the MTA's redelivery
    const out = sent(outbox);
    expect(out).toHaveLength(1);
    expect(out[0]!.args).toEqual(['-i', '-f', 'origin@example.org', '--', 'elsewhere@example.net']);
    expect(out[0]!.content).toContain('Message-ID: <moved@example.org>');
    expect(await count(server, 'user.fred', 'moved')).toBe(0);
    activate(sieveDir, 'fred', 'require "copy";\nredirect :copy "elsewhere@example.net";\n');
    await deliver(server, 'origin@example.org', ['fred'], mail('copied'));
    expect(sent(outbox)).toHaveLength(2);
    expect(await count(server, 'user.fred', 'copied')).toBe(1);
  });

  it('answers with a vacation reply once per sender, from the null sender, and never to lists or bounces', async () => {
    activate(sieveDir, 'fred', 'require "vacation";\nvacation :days 7 :subject "Away" "I am away until Monday.";\n');
    await deliver(server, 'friend@example.org', ['fred'], mail('v1'));
    await deliver(server, 'friend@example.org', ['fred'], mail('v2'));
    await deliver(server, 'list-bounces@example.org', ['fred'], mail('v3', ['List-Id: <l.example.org>']));
    await deliver(server, '', ['fred'], mail('v4'));
    await deliver(server, 'other@example.org', ['fred'], mail('v5', ['Auto-Submitted: auto-generated']));
    const out = sent(outbox);
    expect(out).toHaveLength(1);
    expect(out[0]!.args).toEqual(['-i', '-f', '<>', '--', 'friend@example.org']);
    expect(out[0]!.content).toMatch(/^Subject: Away$/m);
    expect(out[0]!.content).toMatch(/^To: friend@example\.org$/m);
    expect(out[0]!.content).toMatch(/^In-Reply-To: <v1@example\.org>$/m);
    expect(out[0]!.content).toMatch(/^Auto-Submitted: auto-replied/m);
    expect(out[0]!.content).toContain('I am away until Monday.');
    for (const id of ['v1', 'v2', 'v3', 'v4', 'v5']) expect(await count(server, 'user.fred', id)).toBe(1);
  });

  it('keeps the message when the active script does not compile, and follows a changed script at once', async () => {
    activate(sieveDir, 'fred', 'if header :contains "Subject" {\n');
    await deliver(server, 'a@example.org', ['fred'], mail('broken'));
    expect(await count(server, 'user.fred', 'broken')).toBe(1);
    activate(sieveDir, 'fred', 'discard;\n');
    await deliver(server, 'a@example.org', ['fred'], mail('gone'));
    expect(await count(server, 'user.fred', 'gone')).toBe(0);
  });

  it('gives currentdate the time of delivery', async () => {
    activate(sieveDir, 'fred', 'require ["date", "relational", "fileinto"];\nif currentdate :value "ge" "year" "2020" { fileinto "Lists"; }\n');
    await deliver(server, 'a@example.org', ['fred'], mail('dated'));
    expect(await count(server, 'user.fred.Lists', 'dated')).toBe(1);
  });

  it('sees the +detail of the address in the envelope test', async () => {
    activate(sieveDir, 'fred', 'require ["envelope", "subaddress", "fileinto"];\nif envelope :detail "to" "lists" { fileinto "Lists"; }\n');
    await deliver(server, 'a@example.org', ['fred+lists'], mail('detailed'));
    expect(await count(server, 'user.fred.Lists', 'detailed')).toBe(1);
  });
});

describe('Sieve reject with sieve_use_lmtp_reject off', () => {
  it('answers 250 and sends a rejection notice from postmaster to the sender', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cyrusts-sieve-mdn-'));
    const fake = fakeSendmail(dir);
    const sieveDir = join(dir, 'sieve');
    const server = await startTestLmtp({ users: ['fred'], conf: [`sievedir: ${sieveDir}`, `sendmail: ${fake.program}`, 'sieve_use_lmtp_reject: no'] });
    try {
      activate(sieveDir, 'fred', 'require "reject";\nreject "Not here.";\n');
      expect(await deliver(server, 'origin@example.org', ['fred'], mail('mdn'))).toEqual([expect.stringMatching(/^250 /)]);
      const out = sent(fake.outbox);
      expect(out).toHaveLength(1);
      expect(out[0]!.args).toEqual(['-i', '-f', '<>', '--', 'origin@example.org']);
      expect(out[0]!.content).toMatch(/^From: .*<postmaster@lmtp\.test>$/m);
      expect(out[0]!.content).toContain('report-type=disposition-notification');
      expect(out[0]!.content).toContain('Not here.');
      expect(await count(server, 'user.fred', 'mdn')).toBe(0);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
