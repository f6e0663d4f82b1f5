// Sieve extensions at LMTP delivery: include (personal and global scripts from sievedir, in
// Cyrus's layout), duplicate (deliver.db) and editheader (the stored and redirected message).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestLmtp, type TestLmtp } from './harness.js';
import { fakeSendmail, mail, messagesWith, putScript, sent, deliver } from './sieve-helpers.js';

function putGlobal(sieveDir: string, name: string, script: string): void {
  mkdirSync(join(sieveDir, 'global'), { recursive: true });
  writeFileSync(join(sieveDir, 'global', `${name}.script`), script);
}

describe('Sieve extensions at LMTP delivery', () => {
  let server: TestLmtp;
  let outbox: string;
  let sieveDir: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cyrusts-sieve-ext-'));
    sieveDir = join(dir, 'sieve');
    const fake = fakeSendmail(dir);
    outbox = fake.outbox;
    server = await startTestLmtp({ users: ['fred', 'joe'], conf: [`sievedir: ${sieveDir}`, `sendmail: ${fake.program}`] });
    for (const box of ['Lists', 'Junk', 'Work']) server.store.createMailbox(`user.fred.${box}`, { acl: 'fred\tlrswipkxtecdan\t' });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const f of readdirSync(outbox)) rmSync(join(outbox, f));
    rmSync(sieveDir, { recursive: true, force: true });
  });

  describe('include', () => {
    it('runs the user\'s own scripts and the global ones from sievedir/global', async () => {
      putScript(sieveDir, 'fred', 'lists', 'require "fileinto"; if header :contains "subject" "[list]" { fileinto "Lists"; }');
      putGlobal(sieveDir, 'junk', 'require "fileinto"; if header :contains "X-Spam-Flag" "YES" { fileinto "Junk"; stop; }');
      putScript(sieveDir, 'fred', 'main', 'require "include"; include :global "junk"; include :personal "lists";', true);
      expect(await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('inc1', ['X-Spam-Flag: YES']))).toEqual([expect.stringMatching(/^250 /)]);
      expect(await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('inc2 [list]'))).toEqual([expect.stringMatching(/^250 /)]);
      expect(await messagesWith(server, 'user.fred.Junk', 'inc1')).toHaveLength(1);
      expect(await messagesWith(server, 'user.fred', 'inc1')).toHaveLength(0);
      expect(await messagesWith(server, 'user.fred.Lists', 'inc2 [list]')).toHaveLength(1);
      expect(await messagesWith(server, 'user.fred', 'inc2 [list]')).toHaveLength(0);
    });

    it('skips a missing :optional script, and keeps the message when a required one is missing', async () => {
      putScript(sieveDir, 'fred', 'main', 'require ["include", "fileinto"]; include :optional "nothere"; include :global :optional "nothere"; fileinto "Work";', true);
      await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('inc3'));
      expect(await messagesWith(server, 'user.fred.Work', 'inc3')).toHaveLength(1);
      putScript(sieveDir, 'fred', 'main', 'require ["include", "fileinto"]; fileinto "Work"; include "nothere";', true);
      await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('inc4'));
      expect(await messagesWith(server, 'user.fred', 'inc4')).toHaveLength(1);
      expect(await messagesWith(server, 'user.fred.Work', 'inc4')).toHaveLength(0);
    });

    it('keeps the message (only) when the includes form a cycle', async () => {
      putScript(sieveDir, 'fred', 'a', 'require ["include", "fileinto"]; fileinto "Lists"; include "b";');
      putScript(sieveDir, 'fred', 'b', 'require "include"; discard; include "a";');
      putScript(sieveDir, 'fred', 'main', 'require "include"; include "a";', true);
      expect(await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('inc5'))).toEqual([expect.stringMatching(/^250 /)]);
      expect(await messagesWith(server, 'user.fred', 'inc5')).toHaveLength(1);
      expect(await messagesWith(server, 'user.fred.Lists', 'inc5')).toHaveLength(0);
    });
  });

  describe('duplicate', () => {
    it('files the second delivery of a Message-ID apart, and nothing before the first was stored', async () => {
      putScript(sieveDir, 'fred', 'main', 'require ["duplicate", "fileinto"]; if duplicate :seconds 3600 { fileinto "Junk"; }', true);
      await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('dup1'));
      expect(await messagesWith(server, 'user.fred', 'dup1')).toHaveLength(1);
      expect(await messagesWith(server, 'user.fred.Junk', 'dup1')).toHaveLength(0);
      await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('dup1'));
      expect(await messagesWith(server, 'user.fred.Junk', 'dup1')).toHaveLength(1);
      // Per user: joe's first copy is no duplicate of fred's.
      putScript(sieveDir, 'joe', 'main', 'require ["duplicate", "fileinto"]; if duplicate { discard; }', true);
      await deliver(server, 'sender@example.org', ['joe@lmtp.test'], mail('dup1'));
      expect(await messagesWith(server, 'user.joe', 'dup1')).toHaveLength(1);
    });

    it('forgets after :seconds, and keeps handles apart', async () => {
      putScript(sieveDir, 'fred', 'main', [
        'require ["duplicate", "fileinto"];',
        'if duplicate :header "X-Order" :handle "now" :seconds 0 { fileinto "Junk"; }',
        'if duplicate :header "X-Order" :handle "hour" :seconds 3600 { fileinto "Work"; }',
      ].join('\n'), true);
      await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('dup2', ['X-Order: 7']));
      await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('dup3', ['X-Order: 7']));
      expect(await messagesWith(server, 'user.fred', 'dup2')).toHaveLength(1);
      expect(await messagesWith(server, 'user.fred.Junk', 'dup3')).toHaveLength(0);
      expect(await messagesWith(server, 'user.fred.Work', 'dup3')).toHaveLength(1);
    });
  });

  describe('editheader', () => {
    it('stores the edited message: the added header there, the deleted one gone, the body as it came', async () => {
      putScript(sieveDir, 'fred', 'main', [
        'require ["editheader", "fileinto"];',
        'addheader "X-Filtered" "by sieve";',
        'deleteheader "X-Spam-Flag";',
        'if header :is "X-Filtered" "by sieve" { fileinto "Work"; }',
      ].join('\n'), true);
      await deliver(server, 'sender@example.org', ['fred@lmtp.test', 'joe@lmtp.test'], mail('edit1', ['X-Spam-Flag: YES', 'Received: from x by y'], 'The body.'));
      const [stored] = await messagesWith(server, 'user.fred.Work', 'edit1');
      expect(stored).toBeDefined();
      expect(stored).toMatch(/^X-Filtered: by sieve\r\n/);
      expect(stored).not.toContain('X-Spam-Flag');
      expect(stored).toContain('Received: from x by y\r\n');
      expect(stored).toMatch(/\r\n\r\nThe body\.\r\n$/);
      // Another recipient of the same delivery gets the message as it came.
      const [joes] = await messagesWith(server, 'user.joe', 'edit1');
      expect(joes).toContain('X-Spam-Flag: YES');
      expect(joes).not.toContain('X-Filtered');
    });

    it('redirects the edited message', async () => {
      putScript(sieveDir, 'fred', 'main', 'require "editheader"; addheader :last "X-Redirected-By" "fred"; deleteheader "X-Secret"; redirect "elsewhere@example.net";', true);
      await deliver(server, 'sender@example.org', ['fred@lmtp.test'], mail('edit2', ['X-Secret: 42']));
      const out = sent(outbox);
      expect(out).toHaveLength(1);
      expect(out[0]!.args).toContain('elsewhere@example.net');
      expect(out[0]!.content).toMatch(/X-Redirected-By: fred\r?\n\r?\nHello\./);
      expect(out[0]!.content).not.toContain('X-Secret');
    });
  });
});
