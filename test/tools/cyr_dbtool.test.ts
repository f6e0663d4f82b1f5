// cyr_dbtool (Cyrus's cyr_dbtool(8)), the built program run on the databases of a real store: show
// (with a prefix) and get in Cyrus's key/value text, mailboxes.db in Cyrus 3.6's I/N dlist records;
// set and delete only where records are plain key/value (user_deny.db as the man page's example,
// deliver.db, subscriptions.db), every record of a batch checked before any is written; refused
// writes, unknown backends, missing or foreign files: a clear error, a non-zero exit, nothing
// changed; reads go on while another connection holds the write lock.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicateStore, UserDenyList, duplicateDbPath, escapeText, unescapeText, userDenyDbPath, type MailStore } from '../../src/store/index.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';

const BIN = fileURLToPath(new URL('../../dist/bin/cyrusts.js', import.meta.url));

let env: TestEnv;
let conf: string;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes');
  conf = env.config.configDirectory;
  mkdirSync(conf, { recursive: true });
});
afterEach(() => env.cleanup());

function dbtool(args: string[], input = ''): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, 'cyr_dbtool', '-C', env.configFile, ...args], { encoding: 'utf8', input, timeout: 20_000 });
}

/** user.fred (+ Sent), shared, "shared.My Lists"; joe's \Seen in shared, his subscription; a quota root. */
async function fill(): Promise<MailStore> {
  const store = env.open();
  for (const name of ['user.fred', 'user.fred.Sent', 'shared', 'shared.My Lists']) store.createMailbox(name);
  store.setAcl('shared', 'anyone\tlrs\tjoe\tlrswipkxtecdan\t');
  store.subscribe('joe', 'shared');
  store.subscribe('joe', 'shared.My Lists');
  store.setQuota('user.fred', { STORAGE: 1000, MESSAGE: null, MAILBOX: 10 });
  const box = store.openMailbox('shared');
  await box.append([{ content: Buffer.from('Subject: a\r\n\r\nx\r\n') }, { content: Buffer.from('Subject: b\r\n\r\nx\r\n') }]);
  box.setFlags([1, 2], 'add', ['\\Seen'], { userid: 'joe' });
  box.close();
  return store;
}

describe('cyr_dbtool show and get', () => {
  it('shows mailboxes.db as Cyrus 3.6 I and N records, a prefix narrowing it; get by either key', async () => {
    const store = await fill();
    const shared = store.lookup('shared')!;
    const all = dbtool([join(conf, 'mailboxes.db'), 'twoskip', 'show']);
    expect(all.stderr).toBe('');
    expect(all.status).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines.slice(0, 4).every((l) => l.startsWith('I'))).toBe(true);
    expect(lines.slice(4).map((l) => l.split('\t')[0])).toEqual(['Nshared', 'Nshared.My Lists', 'Nuser.fred', 'Nuser.fred.Sent']);
    expect(lines).toContain(
      `Nshared\t%(T e I ${shared.uniqueId} P default V ${shared.uidValidity} C ${shared.createdModseq} F ${shared.modifiedModseq} A %(anyone lrs joe lrswipkxtecdan))`,
    );
    expect(lines.find((l) => l.startsWith(`I${shared.uniqueId}\t`))).toContain('%(T e N shared P default');
    expect(lines.find((l) => l.startsWith('Nshared.My'))).toMatch(/^Nshared\.My Lists\t%\(T e I \S+ P default/);
    expect(lines.find((l) => l.startsWith('I') && l.includes('My Lists'))).toContain('N "shared.My Lists" P');

    const prefixed = dbtool([join(conf, 'mailboxes.db'), 'skiplist', 'show', 'Nuser.fred']);
    expect(prefixed.stdout.trimEnd().split('\n').map((l) => l.split('\t')[0])).toEqual(['Nuser.fred', 'Nuser.fred.Sent']);
    const byName = dbtool([join(conf, 'mailboxes.db'), 'twoskip', 'get', 'Nshared']);
    expect(byName).toMatchObject({ status: 0, stdout: `%(T e I ${shared.uniqueId} P default V ${shared.uidValidity} C ${shared.createdModseq} F ${shared.modifiedModseq} A %(anyone lrs joe lrswipkxtecdan))\n` });
    expect(dbtool([join(conf, 'mailboxes.db'), 'twoskip', 'get', `I${shared.uniqueId}`]).stdout).toMatch(/^%\(T e N shared P default/);
    // A key that is not there: said on stderr, exit 1 (several keys from stdin: the others still answered).
    const missing = dbtool([join(conf, 'mailboxes.db'), 'twoskip', 'get'], 'Nnope\nNuser.fred\n');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('Nnope: no such key');
    expect(missing.stdout).toMatch(/^%\(T e I \S+ P default/);
  });

  it('shows seen.db, subscriptions.db and quotas.db in their documented forms', async () => {
    const store = await fill();
    const shared = store.lookup('shared')!;
    const seen = dbtool([join(conf, 'seen.db'), 'twoskip', 'show']);
    expect(seen.stdout).toMatch(new RegExp(`^joe ${shared.uniqueId}\\t\\d{10} 1:2\\n$`));
    expect(dbtool([join(conf, 'seen.db'), 'twoskip', 'get', `joe ${shared.uniqueId}`]).stdout).toMatch(/^\d{10} 1:2\n$/);
    expect(dbtool([join(conf, 'subscriptions.db'), 'flat', 'show', 'joe ']).stdout).toBe('joe shared\t\njoe shared.My Lists\t\n');
    expect(dbtool([join(conf, 'quotas.db'), 'quotalegacy', 'show']).stdout).toBe('user.fred\tSTORAGE 0 1000 MESSAGE 0 -1 X-NUM-FOLDERS 2 10\n');
    store.annotations.apply(shared.uniqueId, [{ entry: '/comment', userid: '', value: Buffer.from('Lists\nof things') }, { entry: '/comment', userid: 'joe', value: Buffer.from('mine') }], { maxEntries: 0 });
    store.annotations.apply('', [{ entry: '/motd', userid: '', value: Buffer.from('hello') }], { maxEntries: 0 });
    const annotations = join(conf, 'annotations.db');
    expect(dbtool([annotations, 'twoskip', 'show']).stdout).toBe(`/motd\thello\n${shared.uniqueId}/comment\tLists\\x0aof things\n${shared.uniqueId}/comment joe\tmine\n`);
    expect(dbtool([annotations, 'twoskip', 'get', `${shared.uniqueId}/comment joe`]).stdout).toBe('mine\n');
    expect(dbtool([annotations, 'twoskip', 'get', '/motd']).stdout).toBe('hello\n');
  });

  it('-o prints the same once the read is done; control characters come out escaped', async () => {
    await fill();
    const file = join(conf, 'mailboxes.db');
    expect(dbtool(['-o', '-T', file, 'twoskip', 'show']).stdout).toBe(dbtool([file, 'twoskip', 'show']).stdout);
    expect(escapeText('a\tb\nc\\', true)).toBe('a\tb\\x0ac\\x5c');
    expect(escapeText('a\tb', false)).toBe('a\\x09b');
    expect(unescapeText(escapeText('x\u0001sieve\u0001\\ y', false))).toBe('x\u0001sieve\u0001\\ y');
  });

  it('reads while another connection holds the write lock, and leaves that writer free to commit', async () => {
    await fill();
    const file = join(conf, 'mailboxes.db');
    const writer = new Database(file);
    try {
      writer.exec('BEGIN IMMEDIATE');
      writer.prepare("UPDATE mailboxes SET partition = 'other' WHERE name = 'shared'").run();
      const started = Date.now();
      const during = dbtool([file, 'twoskip', 'get', 'Nshared']);
      expect(during.status).toBe(0);
      // The last committed state, at once (no wait for the writer's lock).
      expect(during.stdout).toContain(' P default ');
      expect(Date.now() - started).toBeLessThan(5000);
      writer.exec('COMMIT');
    } finally {
      writer.close();
    }
    expect(dbtool([file, 'twoskip', 'get', 'Nshared']).stdout).toContain(' P other ');
  });
});

describe('cyr_dbtool set and delete', () => {
  it('user_deny.db: the man page\'s example record, got back, seen by the deny list; delete allows', () => {
    const file = userDenyDbPath(env.config);
    // No file yet: refused without -n and not made; -n makes it.
    expect(dbtool([file, 'flat', 'set', 'baduser', '2\tpop3,imap\tDenied'])).toMatchObject({ status: 66 });
    expect(existsSync(file)).toBe(false);
    const set = dbtool(['-n', file, 'flat', 'set', 'BadUser', '2\tpop3,imap\tDenied']);
    expect(set.stderr).toBe('');
    expect(set.status).toBe(0);
    expect(dbtool([file, 'flat', 'get', 'baduser']).stdout).toBe('2\tpop3,imap\tDenied\n');
    const list = UserDenyList.fromConfig(env.config, { create: false })!;
    try {
      expect(list.entry('baduser')).toMatchObject({ services: 'pop3,imap', message: 'Denied' });
      expect(dbtool([file, 'flat', 'delete', 'baduser']).status).toBe(0);
      expect(list.entry('baduser')).toBeNull();
    } finally {
      list.close();
    }
  });

  it('a batch from stdin with one bad record writes nothing; a good one writes all', () => {
    const file = userDenyDbPath(env.config);
    const bad = dbtool(['-n', file, 'flat', 'set'], 'ann\t2\timap\tOn hold\nbob\t3\timap\tWrong version\ncat\t2\t*\t\n');
    expect(bad.status).toBe(65);
    expect(bad.stderr).toContain('bob: a user_deny.db value is "2<TAB>services<TAB>message"');
    expect(bad.stderr).toContain('nothing written');
    expect(dbtool([file, 'flat', 'show']).stdout).toBe('');
    expect(dbtool([file, 'flat', 'set'], 'ann\t2\timap\tOn hold\ncat\t2\t*\t\n').status).toBe(0);
    expect(dbtool([file, 'flat', 'show']).stdout).toBe('ann\t2\timap\tOn hold\ncat\t2\t*\t\n');
    expect(dbtool([file, 'flat', 'delete'], 'ann\ncat\n').status).toBe(0);
    expect(dbtool([file, 'flat', 'show']).stdout).toBe('');
  });

  it('deliver.db: deliveries and Sieve actions by key; a delivery forgotten lets the message in again', () => {
    const file = duplicateDbPath(env.config);
    const db = DuplicateStore.open(file, { durable: false });
    db.recordDelivery('<a@example.com>', 'user.fred', 1_000_000_000);
    db.recordAction('fred', 'vacation:ann@example.com', 4_000_000_000);
    db.close();
    expect(dbtool([file, 'twoskip', 'show']).stdout).toBe('<a@example.com> user.fred\t1000000\nvacation:ann@example.com *sieve:fred\t4000000\n');
    expect(dbtool([file, 'twoskip', 'set', '<b@example.com> user.fred.Sent', '2000000']).status).toBe(0);
    expect(dbtool([file, 'twoskip', 'get', '<b@example.com> user.fred.Sent']).stdout).toBe('2000000\n');
    expect(dbtool([file, 'twoskip', 'delete', 'vacation:ann@example.com *sieve:fred']).status).toBe(0);
    expect(dbtool([file, 'twoskip', 'delete', '<a@example.com> user.fred']).status).toBe(0);
    const after = DuplicateStore.open(file, { durable: false });
    try {
      expect(after.isDelivered('<a@example.com>', 'user.fred')).toBe(false);
      expect(after.isDelivered('<b@example.com>', 'user.fred.Sent')).toBe(true);
      expect(after.actionTaken('fred', 'vacation:ann@example.com', 3_000_000_000)).toBe(false);
    } finally {
      after.close();
    }
    // A value that is no time, a key without a mailbox: refused, nothing written.
    expect(dbtool([file, 'twoskip', 'set', '<c@example.com> user.fred', 'yesterday']).status).toBe(65);
    expect(dbtool([file, 'twoskip', 'set', '<c@example.com>', '5']).status).toBe(65);
    expect(dbtool([file, 'twoskip', 'show']).stdout).toBe('<b@example.com> user.fred.Sent\t2000000\n');
  });

  it('subscriptions.db: set subscribes, delete unsubscribes; a bad mailbox name is refused', async () => {
    const store = await fill();
    const file = join(conf, 'subscriptions.db');
    expect(dbtool([file, 'flat', 'set', 'ann shared', '']).status).toBe(0);
    expect(dbtool([file, 'flat', 'delete', 'joe shared']).status).toBe(0);
    expect(store.subscriptions('ann')).toEqual(['shared']);
    expect(store.subscriptions('joe')).toEqual(['shared.My Lists']);
    const bad = dbtool([file, 'flat', 'set', 'ann shared..x', '']);
    expect(bad.status).toBe(65);
    expect(bad.stderr).toContain('empty component');
    expect(store.subscriptions('ann')).toEqual(['shared']);
  });

  it('refuses writes to databases whose records are more than key/value, and says what to use', async () => {
    const store = await fill();
    const before = readFileSync(join(conf, 'mailboxes.db'));
    const mailboxes = dbtool([join(conf, 'mailboxes.db'), 'twoskip', 'delete', 'Nshared']);
    expect(mailboxes.status).toBe(65);
    expect(mailboxes.stderr).toContain('mailboxes.db takes no set or delete here');
    expect(mailboxes.stderr).toContain('cyradm');
    expect(readFileSync(join(conf, 'mailboxes.db')).equals(before)).toBe(true);
    expect(store.lookup('shared')).not.toBeNull();
    const seen = dbtool([join(conf, 'seen.db'), 'twoskip', 'set', `joe ${store.lookup('shared')!.uniqueId}`, '0 1:5']);
    expect(seen.status).toBe(65);
    expect(seen.stderr).toContain('modseq');
    expect(dbtool([join(conf, 'quotas.db'), 'quotalegacy', 'delete', 'user.fred']).stderr).toContain('setquota');
    expect(store.quotas.quotaOf('user.fred')).not.toBeNull();
  });
});

describe('cyr_dbtool bad input', () => {
  it('usage: too few arguments, an unknown backend or action, extra arguments', () => {
    const file = userDenyDbPath(env.config);
    for (const args of [[file, 'flat'], [file, 'bdb', 'show'], [file, 'flat', 'list'], [file, 'flat', 'get', 'a', 'b'], [file, 'flat', 'set', 'onlykey'], [file, 'flat', 'consistent', 'x']]) {
      const result = dbtool(args);
      expect(result.status, args.join(' ')).toBe(64);
      expect(result.stderr).toMatch(/^cyr_dbtool: .+\nusage: cyr_dbtool/);
    }
    expect(dbtool([file, 'bdb', 'show']).stderr).toContain('unknown backend "bdb"');
    expect(dbtool([file, 'flat', 'show', '--bogus']).status).not.toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it('a missing file, a file that is no SQLite database, one of ours it leaves alone, a damaged one', async () => {
    // Closed: its write-ahead log is in the file, which is then copied whole.
    (await fill()).close();
    expect(dbtool([join(conf, 'nope.db'), 'twoskip', 'show'])).toMatchObject({ status: 66, stdout: '' });
    expect(dbtool(['-n', join(conf, 'nope.db'), 'twoskip', 'show']).stderr).toContain('-n makes only user_deny.db, deliver.db, subscriptions.db');
    expect(existsSync(join(conf, 'nope.db'))).toBe(false);
    writeFileSync(join(conf, 'flat.db'), 'baduser\t2\t*\tno\n'.repeat(100));
    const flat = dbtool([join(conf, 'flat.db'), 'flat', 'show']);
    expect(flat.status).toBe(65);
    expect(flat.stderr).toContain('not an SQLite database');
    const index = dbtool([join(env.dir, 'spool', 'shared', 'cyrus.index'), 'twoskip', 'show']);
    expect(index.status).toBe(65);
    expect(index.stderr).toContain('mbexamine');
    const missingConfig = spawnSync(process.execPath, [BIN, 'cyr_dbtool', '-C', join(env.dir, 'none.conf'), join(conf, 'seen.db'), 'twoskip', 'show'], { encoding: 'utf8' });
    expect(missingConfig.status).toBe(78);

    expect(dbtool([join(conf, 'mailboxes.db'), 'twoskip', 'consistent'])).toMatchObject({ status: 0, stdout: 'Yes, consistent\n' });
    expect(dbtool([join(conf, 'mailboxes.db'), 'twoskip', 'consistency'])).toMatchObject({ status: 0, stdout: '' });
    const damaged = join(conf, 'damaged.db');
    copyFileSync(join(conf, 'mailboxes.db'), damaged);
    const bytes = readFileSync(damaged);
    bytes.fill(0xff, 4096 + 8, 4096 + 208);
    writeFileSync(damaged, bytes);
    expect(dbtool([damaged, 'twoskip', 'consistent'])).toMatchObject({ status: 65, stdout: 'No, not consistent\n' });
    expect(dbtool([damaged, 'twoskip', 'consistency'])).toMatchObject({ status: 65, stdout: `Consistency Error for ${damaged}\n` });
    expect(dbtool([damaged, 'twoskip', 'show']).status).toBe(65);
    expect(dbtool([join(conf, 'seen.db'), 'twoskip', 'repack']).status).toBe(0);
  });
});
