/**
 * Cyrus's own Perl cyradm (Debian cyrus-admin), unmodified, driven on stdin against our server: an
 * administrator creates a user, sets and lists ACLs, shares a folder with another user who then
 * reads it, renames the user and deletes it; afterwards nothing of the user is left on disk or in
 * any database (the password store aside: credentials are not mailbox data, as in Cyrus).
 * Skipped where cyradm is not installed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCyradm, RawClient, runCyradm, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

/** Run a cyradm script as the admin. */
const cyradm = (script: string) => runCyradm(server.port, script);

async function login(user: string): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', `LOGIN ${user} pass`)).at(-1)).toMatch(/^l OK/);
  return c;
}

/** Every file below `dir` (path and text or, for SQLite, every row as JSON) that mentions `word`. */
function mentions(dir: string, word: string, skip: (path: string) => boolean): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    if (skip(path)) return;
    if (path.slice(dir.length).includes(word)) found.push(path);
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path)) walk(join(path, name));
      return;
    }
    const bytes = readFileSync(path);
    if (bytes.subarray(0, 15).toString('latin1') === 'SQLite format 3') {
      const db = new Database(path, { readonly: true, fileMustExist: true });
      try {
        const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
        for (const { name } of tables) {
          for (const row of db.prepare(`SELECT * FROM "${name}"`).all()) {
            if (JSON.stringify(row).includes(word)) found.push(`${path} ${name}: ${JSON.stringify(row).slice(0, 200)}`);
          }
        }
      } finally {
        db.close();
      }
    } else if (!/-(wal|shm)$/.test(path) && bytes.toString('latin1').includes(word)) found.push(path);
  };
  walk(dir);
  return found;
}

describe.skipIf(!hasCyradm)("Cyrus's Perl cyradm", () => {
  beforeAll(async () => {
    server = await startTestServer({
      users: ['admin', 'alice', 'fred', 'zoe'],
      conf: ['unixhierarchysep: yes', 'altnamespace: no', 'autocreate_quota: -1', 'delete_mode: immediate', 'expunge_mode: immediate'],
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('creates a user, shares a folder, renames and deletes the user', async () => {
    const made = await cyradm('cm user/alice\ncm user/alice/Shared\nsam user/alice/Shared fred read\nlam user/alice/Shared\nlm user/alice*\nsq user/alice STORAGE 10000\n');
    expect(made.stderr).toBe('');
    expect(made.stdout).toContain('fred lrs\n');
    expect(made.stdout).toContain('alice lrswipkxtecdan\n');
    expect(made.stdout).toMatch(/user\/alice\/Shared \(\\HasNoChildren\)/);

    // alice puts mail in the shared folder, reads it (seen state), subscribes; fred shares his INBOX with her.
    const alice = await login('alice');
    const message = 'Subject: for fred\r\n\r\nshared text\r\n';
    expect((await alice.command('a1', `APPEND INBOX/Shared (\\Seen) {${message.length}+}\r\n${message}`)).at(-1)).toMatch(/^a1 OK/);
    expect((await alice.command('a2', 'SUBSCRIBE INBOX/Shared')).at(-1)).toMatch(/^a2 OK/);
    alice.close();
    const fred = await login('fred');
    expect((await fred.command('f0', 'CREATE INBOX')).at(-1)).toMatch(/^f0 OK/);
    expect((await fred.command('f1', 'SETACL INBOX alice lr')).at(-1)).toMatch(/^f1 OK/);
    expect((await fred.command('f2', 'SELECT user/alice/Shared')).at(-1)).toMatch(/^f2 OK/);
    const fetched = await fred.command('f3', 'FETCH 1 (BODY.PEEK[TEXT])');
    expect(fetched.join('\n')).toContain('shared text');
    expect((await fred.command('f4', 'UNSELECT')).at(-1)).toMatch(/^f4 OK/);

    // The user moves to a new userid as a whole.
    const renamed = await cyradm('renm user/alice user/zoe\nlam user/zoe/Shared\nlam user/fred\nlq user/zoe\n');
    expect(renamed.stderr).toBe('');
    expect(renamed.stdout).toMatch(/STORAGE \d+\/10000/);
    expect(renamed.stdout).toContain('zoe lrswipkxtecdan\n');
    expect(renamed.stdout).toContain('zoe lr\n');
    const store = server.imap.deps.store;
    expect(store.lookup('user.alice')).toBeNull();
    expect(store.lookup('user.zoe.Shared')).not.toBeNull();
    const zoe = await login('zoe');
    expect(await zoe.command('z1', 'LSUB "" "*"')).toContain('* LSUB () "/" INBOX/Shared');
    await zoe.command('z2', 'EXAMINE INBOX/Shared');
    expect((await zoe.command('z3', 'FETCH 1 (FLAGS)'))[0]).toContain('\\Seen');
    zoe.close();
    const skip = (path: string) => path.endsWith('sasldb.sqlite') || /sasldb\.sqlite-(wal|shm)$/.test(path);
    expect(mentions(server.dir, 'alice', skip)).toEqual([]);

    // Deleting needs the x right, which an admin grants itself first (cyradm's manual says so).
    const refused = await cyradm('dm user/zoe\n');
    expect(refused.stderr).toMatch(/NOPERM/);
    const deleted = await cyradm('sam user/zoe admin x\ndm user/zoe\nlm\n');
    expect(deleted.stderr).toBe('');
    // The listing is all that comes between the last two prompts (cyradm echoes the command, `lm`,
    // only where Perl's readline does: not with every Term::ReadLine).
    expect(deleted.stdout).toMatch(/> (?:lm\n)?user\/fred \(\\HasNoChildren\)\s+\n127\.0\.0\.1> $/);
    expect(store.lookup('user.zoe')).toBeNull();
    expect(mentions(server.dir, 'zoe', skip)).toEqual([]);
    expect((await fred.command('f5', 'GETACL INBOX'))[0]).toBe('* ACL INBOX fred lrswipkxtecdan');
    fred.close();
  });
});
