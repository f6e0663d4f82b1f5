// Partition selection as imapd uses it (issue 4): no defaultpartition, so partition_select_mode
// chooses the partition of every new top-level mailbox, whether an admin CREATEs it or LOGIN
// autocreates it; an admin may still name any partition, an excluded one included.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { ImapdConfig } from '../../src/config/index.js';
import { ImapServer } from '../../src/imap/server.js';
import { runMbpath } from '../../src/tools/mbpath.js';
import { RawClient } from '../imap/harness.js';

interface PartitionServer {
  port: number;
  imap: ImapServer;
  close(): Promise<void>;
}

/** A server like test/imap/harness.ts starts, but without defaultpartition and with our partitions. */
async function startServer(dir: string, conf: string[], users: string[]): Promise<PartitionServer> {
  writeFileSync(
    join(dir, 'imapd.conf'),
    [`configdirectory: ${join(dir, 'conf')}`, 'allowplaintext: yes', 'admins: admin', 'autocreate_quota: 0', 'fsync_disabled: yes', ...conf].join('\n'),
  );
  const config = ImapdConfig.load(join(dir, 'imapd.conf')).forService('imap');
  const imap = ImapServer.create({ config, serviceName: 'imap', logger: silentLogger(), auth: { passwordStore: { scrypt: { N: 1024, r: 8, p: 1 }, scramIterations: 64 } } });
  for (const user of users) await imap.deps.auth.store.setPassword(user, 'pass');
  const server: Server = createServer((socket) => {
    imap.handleConnection(socket, { tls: false, unixSocket: false, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    imap,
    async close() {
      await imap.shutdown(Date.now());
      await new Promise<void>((resolve) => server.close(() => resolve()));
      imap.close();
    },
  };
}

async function login(port: number, user: string): Promise<RawClient> {
  const client = await RawClient.connect(port);
  expect((await client.command('l', `LOGIN ${user} pass`)).at(-1)).toMatch(/^l OK/);
  return client;
}

/** The partition mailboxes.db gives `name`, after checking its directory is there (as mbpath prints it). */
function partitionOf(srv: PartitionServer, name: string): string {
  const entry = srv.imap.deps.store.lookup(name);
  expect(entry, name).not.toBeNull();
  expect(existsSync(join(srv.imap.deps.store.directoryOf(name, entry!.partition), 'cyrus.index'))).toBe(true);
  return entry!.partition;
}

describe('an excluded partition', () => {
  let dir: string;
  let srv: PartitionServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cyrusts-partsel-'));
    for (const d of ['conf', 'main', 'archive']) mkdirSync(join(dir, d));
    srv = await startServer(dir, [`partition-main: ${join(dir, 'main')}`, `partition-archive: ${join(dir, 'archive')}`, 'partition_select_exclude: archive'], ['admin', 'fred', 'wilma']);
  });
  afterAll(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an admin may CREATE a mailbox on it by name', async () => {
    const admin = await login(srv.port, 'admin');
    expect((await admin.command('c1', 'CREATE user/kept archive')).at(-1)).toMatch(/^c1 OK/);
    expect(partitionOf(srv, 'user.kept')).toBe('archive');
    expect(existsSync(srv.imap.deps.store.directoryOf('user.kept', 'archive'))).toBe(true);
    expect(existsSync(srv.imap.deps.store.directoryOf('user.kept', 'main'))).toBe(false);
    // Its submailboxes follow it there, though automatic selection would never pick it.
    expect((await admin.command('c2', 'CREATE user/kept/old')).at(-1)).toMatch(/^c2 OK/);
    expect(partitionOf(srv, 'user.kept.old')).toBe('archive');
    admin.close();
  });

  it('a non-admin naming it gets NO and nothing is created', async () => {
    const fred = await login(srv.port, 'fred');
    expect((await fred.command('c1', 'CREATE extra archive')).at(-1)).toMatch(/^c1 NO \[NOPERM\]/);
    expect(srv.imap.deps.store.lookup('user.fred.extra')).toBeNull();
    fred.close();
  });

  it('automatic selection never picks it', async () => {
    const admin = await login(srv.port, 'admin');
    for (let i = 0; i < 12; i++) expect((await admin.command(`c${i}`, `CREATE user/auto${i}`)).at(-1)).toMatch(/OK/);
    admin.close();
    (await login(srv.port, 'wilma')).close(); // wilma's INBOX is autocreated, also by the selector
    const chosen = new Set([...Array.from({ length: 12 }, (_, i) => partitionOf(srv, `user.auto${i}`)), partitionOf(srv, 'user.wilma')]);
    expect([...chosen]).toEqual(['main']);
  });
});

// Which partition freespace-most picks is forced without faking statfs: a partition whose directory
// is missing is left out (issue 4, item 4), and the excluded one never counts, so moving directories
// away and back decides which partitions are candidates for each creation.
describe('imapd chooses partitions with partition_select_mode', () => {
  let dir: string;
  let srv: PartitionServer;
  const root = (name: string) => join(dir, name);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cyrusts-partsel-'));
    for (const d of ['conf', 'first', 'spare']) mkdirSync(join(dir, d)); // "second" is created later
    srv = await startServer(
      dir,
      [
        `partition-first: ${root('first')}`,
        `partition-second: ${root('second')}`,
        `partition-spare: ${root('spare')}`,
        'partition_select_mode: freespace-most',
        'partition_select_exclude: spare',
        'autocreate_inbox_folders: Sent',
      ],
      ['admin', 'bob', 'dan', 'eve'],
    );
  });
  afterAll(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** mbpath's answer for each mailbox (internal names). */
  function mbpath(names: string[]): string[] {
    let out = '';
    let err = '';
    expect(runMbpath(names, { config: join(dir, 'imapd.conf') }, (t) => (out += t), (t) => (err += t))).toBe(0);
    expect(err).toBe('');
    return out.trimEnd().split('\n');
  }

  it('places INBOXes created by an admin and at login by the selector, submailboxes with their parent', async () => {
    expect(srv.imap.deps.config.isSet('defaultpartition')).toBe(false);
    const admin = await login(srv.port, 'admin');

    // Only "first" can be chosen ("second" has no directory yet, "spare" is excluded).
    expect((await admin.command('a1', 'CREATE user/ann')).at(-1)).toMatch(/^a1 OK/);
    (await login(srv.port, 'bob')).close(); // INBOX and INBOX.Sent autocreated
    expect(['user.ann', 'user.bob', 'user.bob.Sent'].map((n) => partitionOf(srv, n))).toEqual(['first', 'first', 'first']);

    // "second" appears and "first" goes away: the next ones go to "second".
    mkdirSync(root('second'));
    renameSync(root('first'), root('first-away'));
    expect((await admin.command('a2', 'CREATE user/cat')).at(-1)).toMatch(/^a2 OK/);
    (await login(srv.port, 'dan')).close();
    expect(['user.cat', 'user.dan', 'user.dan.Sent'].map((n) => partitionOf(srv, n))).toEqual(['second', 'second', 'second']);
    renameSync(root('first-away'), root('first'));

    // A submailbox takes its parent's partition, whichever the selector would pick now.
    expect((await admin.command('a3', 'CREATE user/ann/Projects/2024')).at(-1)).toMatch(/^a3 OK/);
    expect((await admin.command('a4', 'CREATE user/cat/Archive')).at(-1)).toMatch(/^a4 OK/);
    expect(['user.ann.Projects', 'user.ann.Projects.2024', 'user.cat.Archive'].map((n) => partitionOf(srv, n))).toEqual(['first', 'first', 'second']);
    expect(mbpath(['user.ann', 'user.ann.Projects.2024', 'user.cat', 'user.cat.Archive'])).toEqual([
      expect.stringMatching(new RegExp(`^${root('first')}/`)),
      expect.stringMatching(new RegExp(`^${root('first')}/`)),
      expect.stringMatching(new RegExp(`^${root('second')}/`)),
      expect.stringMatching(new RegExp(`^${root('second')}/`)),
    ]);

    // With both directories gone, only the excluded partition is left: CREATE fails, nothing is made.
    renameSync(root('first'), root('first-away'));
    renameSync(root('second'), root('second-away'));
    const refused = (await admin.command('a5', 'CREATE user/eve')).at(-1);
    expect(refused).toMatch(/^a5 NO/);
    expect(srv.imap.deps.store.lookup('user.eve')).toBeNull();
    expect(existsSync(root('first')) || existsSync(root('second'))).toBe(false);
    renameSync(root('first-away'), root('first'));
    renameSync(root('second-away'), root('second'));

    // Both usable again (one filesystem: freespace-most counts them once, picking either).
    expect((await admin.command('a6', 'CREATE shared')).at(-1)).toMatch(/^a6 OK/);
    (await login(srv.port, 'eve')).close();
    expect(['first', 'second']).toContain(partitionOf(srv, 'shared'));
    expect(['first', 'second']).toContain(partitionOf(srv, 'user.eve'));
    expect(partitionOf(srv, 'user.eve.Sent')).toBe(partitionOf(srv, 'user.eve'));
    expect(readdirSync(root('spare'))).toEqual([]); // the excluded partition got nothing
    admin.close();
  });
});
