// The later Sieve extensions at LMTP delivery: environment (the LMTP client's address), ihave,
// index, enotify (notifications through sendmail), mboxmetadata / servermetadata, special-use,
// mailboxid and fcc.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestLmtp, storedMessages, type TestLmtp } from './harness.js';
import { activate, deliver, fakeSendmail, mail, messagesWith, newestFlags, sent } from './sieve-helpers.js';

describe('later Sieve extensions at LMTP delivery', () => {
  let server: TestLmtp;
  let outbox: string;
  let sieveDir: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cyrusts-sieve-more-'));
    sieveDir = join(dir, 'sieve');
    const fake = fakeSendmail(dir);
    outbox = fake.outbox;
    server = await startTestLmtp({ users: ['fred', 'joe'], preauthorized: true, conf: [`sievedir: ${sieveDir}`, `sendmail: ${fake.program}`] });
    for (const box of ['Lists', 'Work', 'Hit']) server.store.createMailbox(`user.fred.${box}`, { acl: 'fred\tlrswipkxtecdan\t' });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const f of readdirSync(outbox)) rmSync(join(outbox, f));
    rmSync(sieveDir, { recursive: true, force: true });
  });

  const ok = [expect.stringMatching(/^250 /)];

  describe('environment', () => {
    it('sees the LMTP client over TCP, and the server as Cyrus names it', async () => {
      activate(sieveDir, 'fred', [
        'require ["environment", "fileinto", "variables"];',
        'if allof (environment "remote-ip" "127.0.0.1", environment "location" "MDA", environment "phase" "during",',
        '          environment "host" "lmtp.test", environment "domain" "test", environment "name" "cyrusts") {',
        '  fileinto "Hit";',
        '}',
      ].join('\n'));
      expect(await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('env1'), 'tcp')).toEqual(ok);
      expect(await messagesWith(server, 'user.fred.Hit', 'env1')).toHaveLength(1);
    });

    it('over the UNIX socket: remote-host is localhost and there is no remote-ip', async () => {
      activate(sieveDir, 'fred', [
        'require ["environment", "fileinto"];',
        'if environment :contains "remote-ip" "" { fileinto "Work"; }',
        'elsif environment "remote-host" "localhost" { fileinto "Hit"; }',
      ].join('\n'));
      await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('env2'));
      expect(await messagesWith(server, 'user.fred.Hit', 'env2')).toHaveLength(1);
    });
  });

  describe('ihave and index', () => {
    it('runs the block of an extension the server has, skips one it lacks, and reads the :index\'th field', async () => {
      activate(sieveDir, 'fred', [
        'require ["ihave", "index"];',
        'if ihave "x-cyrus-nothing" { frobnicate :now "x"; }',
        'if ihave "fileinto" { if header :index 2 "X-Tag" "b" { fileinto "Lists"; } }',
      ].join('\n'));
      await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('ih1', ['X-Tag: a', 'X-Tag: b']));
      await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('ih2', ['X-Tag: b', 'X-Tag: a']));
      expect(await messagesWith(server, 'user.fred.Lists', 'ih1')).toHaveLength(1);
      expect(await messagesWith(server, 'user.fred', 'ih2')).toHaveLength(1);
    });
  });

  describe('enotify', () => {
    it('sends a notification through sendmail, from the null sender, marked auto-notified, and keeps the message', async () => {
      activate(sieveDir, 'fred', [
        'require ["enotify", "variables"];',
        'if header :matches "Subject" "*" { set "s" "${1}"; }',
        'notify :importance "1" :message "New: ${s}" "mailto:fred@mobile.example?cc=pager%40example.net&subject=&from=evil%40example.org";',
        'notify :from "fred@lmtp.test" "mailto:other@example.net?subject=Mail%20for%20fred&body=Look%20at%20your%20INBOX";',
      ].join('\n'));
      expect(await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('ntf1'))).toEqual(ok);
      expect(await messagesWith(server, 'user.fred', 'ntf1')).toHaveLength(1);
      const out = sent(outbox);
      expect(out).toHaveLength(2);
      const first = out.find((m) => m.args.includes('fred@mobile.example'))!;
      expect(first.args).toEqual(['-i', '-f', '<>', '--', 'fred@mobile.example', 'pager@example.net']);
      expect(first.content).toMatch(/^From: fred@lmtp\.test$/m);
      expect(first.content).toMatch(/^To: fred@mobile\.example$/m);
      expect(first.content).toMatch(/^Cc: pager@example\.net$/m);
      expect(first.content).toMatch(/^Auto-Submitted: auto-notified$/m);
      expect(first.content).toMatch(/^Subject: New: test ntf1$/m);
      expect(first.content).toMatch(/^Importance: high$/m);
      expect(first.content).not.toContain('evil@example.org');
      expect(first.content).toMatch(/\n\nNew: test ntf1\n/);
      const second = out.find((m) => m.args.includes('other@example.net'))!;
      expect(second.content).toMatch(/^Subject: Mail for fred$/m);
      expect(second.content).toMatch(/\n\nLook at your INBOX\n$/);
    });

    it('notifies about a message the script rejects in the LMTP answer', async () => {
      activate(sieveDir, 'fred', 'require ["enotify", "ereject"]; notify :message "refused one" "mailto:fred@mobile.example"; ereject "not here";');
      expect(await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('ntf3'))).toEqual([expect.stringMatching(/^550 5\.7\.1 /)]);
      expect(await messagesWith(server, 'user.fred', 'ntf3')).toHaveLength(0);
      const out = sent(outbox);
      expect(out).toHaveLength(1);
      expect(out[0]!.content).toMatch(/^Subject: refused one$/m);
    });

    it('sends nothing about a message that is itself auto-submitted', async () => {
      activate(sieveDir, 'fred', 'require "enotify"; notify "mailto:fred@mobile.example";');
      expect(await deliver(server, '', ['fred@lmtp.test'], mail('ntf2', ['Auto-Submitted: auto-replied']))).toEqual(ok);
      expect(await messagesWith(server, 'user.fred', 'ntf2')).toHaveLength(1);
      expect(sent(outbox)).toHaveLength(0);
    });
  });

  describe('mboxmetadata and servermetadata', () => {
    it('reads the METADATA entries IMAP gives the user: its private ones, shared ones, the server\'s', async () => {
      const { annotations } = server.store;
      const inbox = server.store.lookup('user.fred')!.uniqueId;
      annotations.apply(inbox, [{ entry: '/comment', userid: 'fred', value: Buffer.from('vacation mode') }], { maxEntries: 0 });
      annotations.apply(inbox, [{ entry: '/vendor/x/secret', userid: 'joe', value: Buffer.from('joe only') }], { maxEntries: 0 });
      annotations.apply(server.store.lookup('user.fred.Lists')!.uniqueId, [{ entry: '/comment', userid: '', value: Buffer.from('lists') }], { maxEntries: 0 });
      annotations.apply('', [{ entry: '/admin', userid: '', value: Buffer.from('mailto:postmaster@lmtp.test') }], { maxEntries: 0 });
      activate(sieveDir, 'fred', [
        'require ["mboxmetadata", "servermetadata", "fileinto"];',
        'if allof (metadata "INBOX" "/private/comment" "vacation mode", metadataexists "Lists" "/shared/comment",',
        '          not metadataexists "INBOX" "/private/vendor/x/secret", not metadataexists "Other Users/joe" "/shared/comment",',
        '          servermetadata :contains "/shared/admin" "postmaster", servermetadataexists "/shared/admin") {',
        '  fileinto "Hit";',
        '}',
      ].join('\n'));
      await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('meta1'));
      expect(await messagesWith(server, 'user.fred.Hit', 'meta1')).toHaveLength(1);
    });
  });

  describe('special-use', () => {
    it('files into the mailbox with the use, else into the named one, made with the use by :create', async () => {
      server.store.createMailbox('user.fred.Spam', { acl: 'fred\tlrswipkxtecdan\t', specialUse: '\\Junk' });
      activate(sieveDir, 'fred', [
        'require ["special-use", "fileinto", "mailbox"];',
        'if header :is "X-Kind" "junk" { fileinto :specialuse "\\\\Junk" "Junk"; }',
        'if header :is "X-Kind" "archive" { fileinto :specialuse "\\\\Archive" :create "Archive"; }',
        'if allof (header :is "X-Kind" "check", specialuse_exists "\\\\Junk", specialuse_exists "Spam" "\\\\Junk", not specialuse_exists "\\\\Drafts") {',
        '  fileinto "Hit";',
        '}',
      ].join('\n'));
      await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('su1', ['X-Kind: junk']));
      await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('su2', ['X-Kind: archive']));
      await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('su3', ['X-Kind: check']));
      expect(await messagesWith(server, 'user.fred.Spam', 'su1')).toHaveLength(1);
      expect(server.store.lookup('user.fred.Junk')).toBeNull();
      expect(await messagesWith(server, 'user.fred.Archive', 'su2')).toHaveLength(1);
      expect(server.store.lookup('user.fred.Archive')!.specialUse).toBe('\\Archive');
      expect(await messagesWith(server, 'user.fred.Hit', 'su3')).toHaveLength(1);
    });
  });

  describe('mailboxid', () => {
    it('files into the mailbox of that id when the user may post there, else into the named one', async () => {
      const lists = server.store.lookup('user.fred.Lists')!.uniqueId;
      const joes = server.store.lookup('user.joe')!.uniqueId;
      activate(sieveDir, 'fred', [
        'require ["mailboxid", "fileinto"];',
        `if header :is "X-Kind" "id" { fileinto :mailboxid "${lists}" "Work"; }`,
        'if header :is "X-Kind" "gone" { fileinto :mailboxid "no-such-id" "Work"; }',
        `if header :is "X-Kind" "joe" { fileinto :mailboxid "${joes}" "Work"; }`,
        `if allof (header :is "X-Kind" "check", mailboxidexists "${lists}", not mailboxidexists "${joes}") { fileinto "Hit"; }`,
      ].join('\n'));
      for (const [id, kind] of [['mid1', 'id'], ['mid2', 'gone'], ['mid3', 'joe'], ['mid4', 'check']]) {
        await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail(id!, [`X-Kind: ${kind}`]));
      }
      expect(await messagesWith(server, 'user.fred.Lists', 'mid1')).toHaveLength(1);
      expect(await messagesWith(server, 'user.fred.Work', 'mid2')).toHaveLength(1);
      expect(await messagesWith(server, 'user.fred.Work', 'mid3')).toHaveLength(1);
      expect(await messagesWith(server, 'user.joe', 'mid3')).toHaveLength(0);
      expect(await messagesWith(server, 'user.fred.Hit', 'mid4')).toHaveLength(1);
    });
  });

  describe('fcc', () => {
    it('keeps a copy of the vacation reply and of the notification, with :flags, :create making the mailbox', async () => {
      server.store.createMailbox('user.fred.Sent', { acl: 'fred\tlrswipkxtecdan\t' });
      activate(sieveDir, 'fred', [
        'require ["vacation", "enotify", "fcc", "imap4flags", "mailbox"];',
        'vacation :fcc "Sent" :flags "\\\\Seen" :subject "Away" "I am away.";',
        'notify :fcc "Notes" :create "mailto:fred@mobile.example";',
      ].join('\n'));
      expect(await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('fcc1'))).toEqual(ok);
      expect(sent(outbox)).toHaveLength(2);
      const sentBox = await storedMessages(server.store, 'user.fred.Sent');
      expect(sentBox).toHaveLength(1);
      expect(sentBox[0]).toMatch(/^Subject: Away\r$/m);
      expect(sentBox[0]).toMatch(/^Auto-Submitted: auto-replied/m);
      expect(newestFlags(server, 'user.fred.Sent', 'fred')).toEqual(['\\Seen']);
      const notes = await storedMessages(server.store, 'user.fred.Notes');
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatch(/^Auto-Submitted: auto-notified\r$/m);
      expect(newestFlags(server, 'user.fred.Notes', 'fred')).toEqual([]);
      expect(await messagesWith(server, 'user.fred', 'fcc1')).toHaveLength(1);
    });

    it('sends all the same when the fcc mailbox is not there', async () => {
      activate(sieveDir, 'fred', 'require ["enotify", "fcc"]; notify :fcc "Nowhere" "mailto:fred@mobile.example";');
      expect(await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('fcc2'))).toEqual(ok);
      expect(sent(outbox)).toHaveLength(1);
      expect(server.store.lookup('user.fred.Nowhere')).toBeNull();
    });
  });
});

describe('sieve_extensions at delivery', () => {
  it('limits what a script may use, and ihave answers by it (Cyrus\'s "notify" allows enotify)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cyrusts-sieve-limit-'));
    const sieveDir = join(dir, 'sieve');
    const fake = fakeSendmail(dir);
    const server = await startTestLmtp({ users: ['fred'], conf: [`sievedir: ${sieveDir}`, `sendmail: ${fake.program}`, 'sieve_extensions: fileinto ihave notify'] });
    try {
      server.store.createMailbox('user.fred.Hit', { acl: 'fred\tlrswipkxtecdan\t' });
      activate(sieveDir, 'fred', 'require ["ihave", "fileinto"];\nif ihave "environment" { fileinto "No"; } elsif ihave "enotify" { fileinto "Hit"; }');
      await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('lim1'));
      expect(await messagesWith(server, 'user.fred.Hit', 'lim1')).toHaveLength(1);
      // A script requiring an extension the site left out does not compile: the message is kept.
      activate(sieveDir, 'fred', 'require ["fileinto", "index"];\nfileinto "Hit";');
      await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('lim2'));
      expect(await messagesWith(server, 'user.fred', 'lim2')).toHaveLength(1);
      expect(await messagesWith(server, 'user.fred.Hit', 'lim2')).toHaveLength(0);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

