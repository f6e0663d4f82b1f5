/**
 * CREATE when no partition may be chosen (every one in partition_select_exclude, its directory
 * missing, or defaultpartition naming no partition-NAME) is a server-side condition: the answer is
 * `NO [UNAVAILABLE]` (RFC 5530), not `NO [NONEXISTENT]` (which says the mailbox is missing), and
 * nothing is created. Names under an existing mailbox still follow their parent's partition.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { ImapdConfig } from '../../src/config/index.js';
import { ImapServer } from '../../src/imap/server.js';
import { RawClient } from './harness.js';

interface Running {
  port: number;
  imap: ImapServer;
  dir: string;
  close(): Promise<void>;
}

/** A server with exactly the partition settings given (no defaultpartition unless they name one). */
async function start(partitionLines: (dir: string) => string[], extra: string[] = []): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'cyrusts-nopart-'));
  for (const d of ['conf', 'a', 'b']) mkdirSync(join(dir, d));
  const lines = [`configdirectory: ${join(dir, 'conf')}`, 'allowplaintext: yes', 'admins: admin', 'autocreate_quota: -1', 'fsync_disabled: yes', ...partitionLines(dir), ...extra];
  writeFileSync(join(dir, 'imapd.conf'), lines.join('\n'));
  const config = ImapdConfig.load(join(dir, 'imapd.conf')).forService('imap');
  const imap = ImapServer.create({ config, serviceName: 'imap', logger: silentLogger(), auth: { passwordStore: { scrypt: { N: 1024, r: 8, p: 1 }, scramIterations: 64 } } });
  for (const user of ['admin', 'fred', 'barney']) await imap.deps.auth.store.setPassword(user, 'pass');
  const server: Server = createServer((socket) => {
    imap.handleConnection(socket, { tls: false, unixSocket: false, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    imap,
    dir,
    async close() {
      await imap.shutdown(Date.now());
      await new Promise<void>((resolve) => server.close(() => resolve()));
      imap.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function login(port: number, user: string): Promise<RawClient> {
  const client = await RawClient.connect(port);
  expect((await client.command('l', `LOGIN ${user} pass`)).at(-1)).toMatch(/^l OK/);
  return client;
}

const UNAVAILABLE = /^c\d NO \[UNAVAILABLE\] /;

// The last element is the partition fred's INBOX is put on by name (not the missing one: creating
// a mailbox there would make its directory).
describe.each([
  ['every partition excluded', (dir: string) => [`partition-a: ${join(dir, 'a')}`, `partition-b: ${join(dir, 'b')}`, 'partition_select_exclude: a b'], 'a'],
  ['the only candidate\'s directory missing', (dir: string) => [`partition-a: ${join(dir, 'gone')}`, `partition-b: ${join(dir, 'b')}`, 'partition_select_exclude: b'], 'b'],
  ['defaultpartition without its partition-NAME', (dir: string) => [`partition-a: ${join(dir, 'a')}`, 'defaultpartition: nowhere'], 'a'],
])('CREATE with %s', (_title, partitionLines, fredPartition) => {
  let srv: Running;
  beforeAll(async () => {
    srv = await start(partitionLines);
    srv.imap.deps.store.createMailbox('user.fred', { partition: fredPartition, acl: 'fred\tlrswipkxtecdan\t' });
  });
  afterAll(async () => {
    await srv.close();
  });

  it('answers NO [UNAVAILABLE] for a new top-level name and creates nothing', async () => {
    const admin = await login(srv.port, 'admin');
    expect((await admin.command('c1', 'CREATE news')).at(-1)).toMatch(UNAVAILABLE);
    expect((await admin.command('c2', 'CREATE user/wilma')).at(-1)).toMatch(UNAVAILABLE);
    expect((await admin.command('c3', 'CREATE deep/er/name')).at(-1)).toMatch(UNAVAILABLE);
    for (const name of ['news', 'user.wilma', 'deep', 'deep.er', 'deep.er.name']) expect(srv.imap.deps.store.lookup(name), name).toBeNull();
    const list = await admin.command('c4', 'LIST "" "*"');
    expect(list.filter((line) => line.startsWith('* LIST')).join('\n')).not.toMatch(/news|wilma|deep/);
    admin.close();
  });

  it('still creates under an existing mailbox, on its partition', async () => {
    const fred = await login(srv.port, 'fred');
    expect((await fred.command('c5', 'CREATE Drafts')).at(-1)).toMatch(/^c5 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
    expect(srv.imap.deps.store.lookup('user.fred.Drafts')?.partition).toBe(fredPartition);
    fred.close();
  });
});

describe('LOGIN when the INBOX cannot be autocreated', () => {
  let srv: Running;
  beforeAll(async () => {
    srv = await start((dir) => [`partition-a: ${join(dir, 'a')}`, 'partition_select_exclude: a'], ['autocreate_quota: 0']);
  });
  afterAll(async () => {
    await srv.close();
  });

  it('still logs the user in (as Cyrus); SELECT INBOX then says it is missing, and nothing was created', async () => {
    const barney = await RawClient.connect(srv.port);
    expect((await barney.command('l', 'LOGIN barney pass')).at(-1)).toMatch(/^l OK /);
    expect((await barney.command('c1', 'SELECT INBOX')).at(-1)).toMatch(/^c1 NO \[NONEXISTENT\]/);
    expect((await barney.command('c2', 'NOOP')).at(-1)).toMatch(/^c2 OK/);
    expect(srv.imap.deps.store.lookup('user.barney')).toBeNull();
    barney.close();
  });
});
