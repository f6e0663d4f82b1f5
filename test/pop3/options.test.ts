/**
 * The pop3 options and the shared layers they go through: uidl_format, popuseacl (r, t, s),
 * popsubfolders, virtual domains, username_tolower, the auth module's failure limit, poptimeout's
 * minimum.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { reconstructMailbox } from '../../src/mailbox/index.js';
import { settingsFromConfig } from '../../src/pop3/deps.js';
import { formatUidl } from '../../src/pop3/wire/uidl.js';
import { message, PopClient, startPop3Server, type Pop3TestServer } from './harness.js';

describe('uidl_format', () => {
  it.each([
    ['uidonly', '7'],
    ['cyrus', '1700000000.7'],
    ['dovecot', '000000076553f100'],
    ['courier', '1700000000-7'],
  ] as const)('%s', (format, expected) => {
    expect(formatUidl(format, 1700000000, 7)).toBe(expected);
  });

  it('is read from imapd.conf and stays stable across sessions', async () => {
    const server = await startPop3Server({ conf: ['uidl_format: dovecot'] });
    try {
      await server.deliver('fred', [message('u1'), message('u2')]);
      const uidValidity = server.pop3.deps.store.openMailbox('user.fred');
      const validity = uidValidity.status().uidValidity;
      uidValidity.close();
      const first = await PopClient.login(server.port);
      const a = (await first.listing('UIDL')).lines;
      await first.command('QUIT');
      const second = await PopClient.login(server.port);
      expect((await second.listing('UIDL')).lines).toEqual(a);
      expect(a[1]).toBe(`2 00000002${validity.toString(16).padStart(8, '0')}`);
      second.close();
    } finally {
      await server.close();
    }
  });
});

describe('UIDL across reconstruct', () => {
  it('gives the same unique-ids after the index is lost and rebuilt from the message files', async () => {
    const server = await startPop3Server();
    try {
      await server.deliver('fred', [message('r1'), message('r2'), message('r3')]);
      const before = await PopClient.login(server.port);
      await before.command('DELE 2');
      await before.command('QUIT');
      const c = await PopClient.login(server.port);
      const uidls = (await c.listing('UIDL')).lines;
      await c.command('QUIT');
      const store = server.pop3.deps.store;
      const entry = store.lookup('user.fred')!;
      const dir = store.directoryOf(entry.name, entry.partition);
      for (const f of ['cyrus.index', 'cyrus.index-wal', 'cyrus.index-shm']) rmSync(join(dir, f), { force: true });
      reconstructMailbox(store, 'user.fred');
      const after = await PopClient.login(server.port);
      expect((await after.listing('UIDL')).lines).toEqual(uidls);
      after.close();
    } finally {
      await server.close();
    }
  });
});

describe('settings', () => {
  it('raises poptimeout below 10 minutes to 10, as Cyrus does', () => {
    const config = ImapdConfig.fromText('configdirectory: /tmp/x\npoptimeout: 2\n');
    expect(settingsFromConfig(config).timeoutMs).toBe(10 * 60 * 1000);
    expect(settingsFromConfig(ImapdConfig.fromText('configdirectory: /tmp/x\npoptimeout: 45\n')).timeoutMs).toBe(45 * 60 * 1000);
    expect(settingsFromConfig(ImapdConfig.fromText('configdirectory: /tmp/x\n')).expireDays).toBeNull();
    expect(settingsFromConfig(ImapdConfig.fromText('configdirectory: /tmp/x\npopexpiretime: 0\n')).expireDays).toBe(0);
  });
});

describe('popuseacl: yes', () => {
  let server: Pop3TestServer;
  beforeAll(async () => {
    server = await startPop3Server({ users: ['fred', 'joe', 'ann'], conf: ['popuseacl: yes', 'popuseimapflags: yes', 'implicit_owner_rights: lkxan'] });
    const store = server.pop3.deps.store;
    store.createMailbox('user.fred', { acl: 'fred\tl\t' });
    store.createMailbox('user.joe', { acl: 'joe\tlr\t' });
    store.createMailbox('user.ann', { acl: 'ann\tlrt\t' });
    for (const user of ['fred', 'joe', 'ann']) await server.deliver(user, [message(`${user}1`)]);
  }, 60_000);
  afterAll(async () => {
    await server.close();
  });

  it('refuses the maildrop without r', async () => {
    const c = await PopClient.connect(server.port);
    await c.command('USER fred');
    expect(await c.command('PASS pass')).toBe('-ERR [SYS/PERM] Unable to open maildrop: Permission denied');
    c.close();
  });

  it('refuses DELE without t', async () => {
    const c = await PopClient.login(server.port, 'joe');
    expect(await c.command('DELE 1')).toBe('-ERR [SYS/PERM] Permission denied');
    c.close();
  });

  it('deletes with t, and sets no \\Seen without s', async () => {
    const c = await PopClient.login(server.port, 'ann');
    expect(await c.command('RETR 1')).toBe('+OK Message follows');
    await c.multiline();
    expect(await c.command('QUIT')).toBe('+OK');
    const box = server.pop3.deps.store.openMailbox('user.ann');
    expect(box.snapshot('ann').isSeen(0)).toBe(false);
    box.close();
  });
});

describe('popsubfolders, virtual domains, username_tolower, failure limit', () => {
  let server: Pop3TestServer;
  beforeAll(async () => {
    server = await startPop3Server({ users: ['fred', 'admin', 'wilma@example.com'], conf: ['popsubfolders: yes', 'virtdomains: userid', 'auth_max_failures: 2', 'auth_failure_delay: 0'] });
    await server.deliver('fred', [message('inbox')]);
    await server.deliver('fred', [message('archived 1'), message('archived 2')], 'user.fred.Archive');
    await server.deliver('wilma@example.com', [message('w')], 'example.com!user.wilma');
  }, 60_000);
  afterAll(async () => {
    await server.close();
  });

  it('opens user+folder as that folder of the user', async () => {
    const c = await PopClient.login(server.port, 'fred+Archive');
    expect(await c.command('STAT')).toMatch(/^\+OK 2 /);
    c.close();
    const d = await PopClient.connect(server.port);
    await d.command('USER fred+Nothing');
    expect(await d.command('PASS pass')).toBe('-ERR [SYS/TEMP] Unable to open maildrop: Mailbox does not exist');
    d.close();
  });

  it('logs a domain user in to the domain INBOX, and lowercases userids', async () => {
    const c = await PopClient.login(server.port, 'Wilma@Example.COM');
    expect(await c.command('STAT')).toMatch(/^\+OK 1 /);
    c.close();
    const d = await PopClient.login(server.port, 'FRED');
    expect(await d.command('STAT')).toMatch(/^\+OK 1 /);
    d.close();
  });

  it('closes the connection after auth_max_failures failed logins', async () => {
    const c = await PopClient.connect(server.port);
    await c.command('USER fred');
    expect(await c.command('PASS bad1')).toBe('-ERR [AUTH] Invalid login');
    await c.command('USER fred');
    expect(await c.command('PASS bad2')).toBe('-ERR [AUTH] Invalid login');
    await c.closedByServer();
    expect(c.closed).toBe(true);
  });
});

describe('pop3showafter (the mailbox annotation cyradm sets with mboxcfg)', () => {
  it('hides the messages that arrived before it, by internal date, and only in that mailbox', async () => {
    const server = await startPop3Server({ users: ['fred', 'joe'] });
    try {
      const store = server.pop3.deps.store;
      store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
      await server.deliver('joe', [message('j1')]);
      const box = store.openMailbox('user.fred');
      await box.append([
        { content: Buffer.from(message('old arrival')), internalDate: new Date('2023-12-31T23:00:00Z') },
        { content: Buffer.from(message('at the mark')), internalDate: new Date('2024-01-01T10:00:00Z') },
        { content: Buffer.from(message('new arrival')), internalDate: new Date('2024-06-01T00:00:00Z') },
      ]);
      box.close();
      const set = (mailbox: string, value: string): void =>
        store.annotations.apply(store.lookup(mailbox)!.uniqueId, [{ entry: '/vendor/cmu/cyrus-imapd/pop3showafter', userid: '', value: Buffer.from(value) }], { maxEntries: 100 });
      set('user.fred', ' 1-Jan-2024 10:00:00 +0000');
      const fred = await PopClient.login(server.port, 'fred');
      expect((await fred.command('STAT'))).toMatch(/^\+OK 1 /);
      expect((await fred.listing('RETR 1')).lines.join('\n')).toContain('new arrival');
      await fred.command('QUIT');
      const joe = await PopClient.login(server.port, 'joe');
      expect(await joe.command('STAT')).toMatch(/^\+OK 1 /);
      await joe.command('QUIT');
    } finally {
      await server.close();
    }
  });
});

describe('msg/shutdown (Cyrus\'s shutdown file)', () => {
  it('refuses new connections with its first line, and ends a session before its next command', async () => {
    const server = await startPop3Server({ users: ['fred'] });
    try {
      await server.deliver('fred', [message('kept')]);
      const fred = await PopClient.login(server.port, 'fred');
      const file = join(server.pop3.deps.config.configDirectory, 'msg', 'shutdown');
      mkdirSync(join(server.pop3.deps.config.configDirectory, 'msg'), { recursive: true });
      writeFileSync(file, 'Upgrade until 06:00\n');
      expect(await fred.command('DELE 1')).toBe('-ERR [SYS/TEMP] Upgrade until 06:00');
      const greeting = await new Promise<string>((resolve) => {
        const socket = createConnection({ port: server.port, host: '127.0.0.1' });
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString('latin1')));
        socket.on('close', () => resolve(text));
        socket.on('error', () => undefined);
      });
      expect(greeting).toBe('-ERR [SYS/TEMP] Upgrade until 06:00\r\n');
      rmSync(file);
      // The session ended without UPDATE: the message is still there.
      const again = await PopClient.login(server.port, 'fred');
      expect(await again.command('STAT')).toMatch(/^\+OK 1 /);
      await again.command('QUIT');
    } finally {
      await server.close();
    }
  });
});
