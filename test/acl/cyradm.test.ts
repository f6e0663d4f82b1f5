/**
 * Our own cyradm (`cyrusts cyradm`): Cyrus's command set and short names over IMAP, scripted on
 * stdin, against a fresh server: create a user, set and list ACLs, share, rename, delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCyradm, splitCommandLine, type CyradmOptions } from '../../src/tools/cyradm.js';
import { tokenize } from '../../src/tools/cyradm-client.js';
import { startTestServer, type TestServer } from '../imap/harness.js';

let server: TestServer;

async function* linesOf(script: string): AsyncIterable<string> {
  for (const line of script.split('\n')) yield line;
}

async function cyradm(script: string, options: Partial<CyradmOptions> = {}): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await runCyradm('127.0.0.1', { user: 'admin', password: 'pass', port: String(server.port), ...options }, {
    lines: linesOf(script), interactive: false, out: (t) => (out += t), err: (t) => (err += t),
  });
  return { status, out, err };
}

describe('splitting command lines', () => {
  it('splits words as sh, commands at ";"', () => {
    expect(splitCommandLine('sam "user/a b" fred read; lam user/x')).toEqual([['sam', 'user/a b', 'fred', 'read'], ['lam', 'user/x']]);
    expect(splitCommandLine("cm 'it''s' x\\ y \"\"")).toEqual([['cm', 'its', 'x y', '']]);
    expect(splitCommandLine('  ;; ')).toEqual([]);
  });

  it('reads responses with quoted strings, lists, NIL and literals', () => {
    expect(tokenize('LIST (\\HasNoChildren) "/" "a \\"b\\""')).toEqual(['LIST', ['\\HasNoChildren'], '/', 'a "b"']);
    expect(tokenize('ID NIL')).toEqual(['ID', null]);
    expect(tokenize('ACL x \u00003\u0000a b lr')).toEqual(['ACL', 'x', 'a b', 'lr']);
  });
});

describe('cyrusts cyradm', () => {
  beforeAll(async () => {
    server = await startTestServer({ users: ['admin', 'fred'], conf: ['unixhierarchysep: yes', 'altnamespace: no', 'autocreate_quota: -1', 'delete_mode: immediate'] });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('creates a user, sets and lists ACLs, renames and deletes it', async () => {
    const made = await cyradm('cm user/alice\ncreatemailbox user/alice/Shared\nsam user/alice/Shared fred read anyone p\nlam user/alice/Shared\nlm user/alice*');
    expect(made.err).toBe('');
    expect(made.status).toBe(0);
    expect(made.out).toBe('alice lrswipkxtecdan\nfred lrs\nanyone p\nuser/alice (\\HasChildren)\nuser/alice/Shared (\\HasNoChildren)\n');
    const patterned = await cyradm('listacl user/alice/%');
    expect(patterned.out).toBe('user/alice/Shared:\n  alice lrswipkxtecdan\n  fred lrs\n  anyone p\n');

    const removed = await cyradm('dam user/alice/Shared anyone; lam user/alice/Shared');
    expect(removed.out).toBe('alice lrswipkxtecdan\nfred lrs\n');

    const renamed = await cyradm('renm user/alice user/zoe\nlm');
    expect(renamed.out).toBe('user/zoe (\\HasChildren)\nuser/zoe/Shared (\\HasNoChildren)\n');
    expect(server.imap.deps.store.lookup('user.zoe.Shared')!.acl).toBe('zoe\tlrswipkxtecdan\tfred\tlrs\t');

    const refused = await cyradm('dm user/zoe');
    expect(refused.status).toBe(1);
    expect(refused.err).toBe('deletemailbox: [NOPERM] Permission denied\n');
    const deleted = await cyradm('sam user/zoe admin x\ndm user/zoe\nlm');
    expect(deleted.err).toBe('');
    expect(deleted.out).toBe('');
    expect(server.imap.deps.store.lookup('user.zoe')).toBeNull();
  });

  it('reports refusals and usage on the error stream, with the last command\'s status', async () => {
    const result = await cyradm('cm user/nobody/x\nsam user/nobody\nfrobnicate\nlm');
    expect(result.err).toBe('createmailbox: [NOPERM] Permission denied\nusage: setaclmailbox mailbox id rights [id rights ...]\nfrobnicate: unknown command (try "help")\n');
    expect(result.status).toBe(0);
    expect((await cyradm('cm user/nobody/x')).status).toBe(1);
  });

  it('sets and lists quotas where the server has QUOTA, and says so where it has not', async () => {
    const caps = (await cyradm('info')).out;
    expect(caps).toMatch(/^capabilities: IMAP4rev1 /m);
    const result = await cyradm('cm user/fred\nsq user/fred STORAGE 1000\nlq user/fred\nlqr user/fred');
    if (/\bQUOTA\b/.test(caps)) {
      expect(result.err).toBe('');
      expect(result.out).toBe('user/fred: STORAGE 0/1000 (0%)\nquota root: user/fred\nuser/fred: STORAGE 0/1000 (0%)\n');
    } else expect(result.err).toBe('setquota: quota not supported by the server\nlistquota: quota not supported by the server\nlistquotaroot: quota not supported by the server\n');
  });

  it('xfer sends XFER and shows why this server refuses it (it is in no Murder)', async () => {
    const result = await cyradm('cm user/xavier\nxfer user/xavier backend2\nxfermailbox --partition p2 user/xavier backend2 p3');
    expect(result.err).toBe('xfermailbox: [CANNOT] XFER moves mailboxes between the backends of a Murder: this server is in none\nxfermailbox: give the partition once (--partition or the third argument)\n');
    expect(server.imap.deps.store.lookup('user.xavier')).not.toBeNull();
  });

  it('knows the long and short names, and lists with --subscribed', async () => {
    const help = (await cyradm('help')).out;
    for (const short of ['lm', 'lam', 'sam', 'dam', 'cm', 'dm', 'renm', 'xfer', 'lq', 'sq', 'lqr', 'info']) expect(help).toMatch(new RegExp(`\\b${short}\\b`));
    const listed = await cyradm('cm shared; cm shared/sub; lm --subscribed; list shar% ""; listmailbox shared/*');
    expect(listed.err).toBe('');
    expect(listed.out).toBe('shared (\\HasChildren)\nshared/sub (\\HasNoChildren)\n');
  });

  it('refuses a wrong password', async () => {
    const result = await cyradm('lm', { password: 'wrong' });
    expect(result.status).toBe(77);
    expect(result.err).toMatch(/^cyradm: cannot authenticate to server as admin/);
  });
});
