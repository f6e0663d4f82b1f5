/**
 * Cyrus's own Perl cyradm (Debian cyrus-admin), unmodified, against our METADATA: `info` (server),
 * `info MAILBOX`, `mboxcfg MAILBOX comment ...` and `expire 30`, `setinfo motd ...`, then `info`
 * showing them. Skipped where cyradm is not installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCyradm, RawClient, runCyradm, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

/** Run a cyradm script as the admin. */
const cyradm = (script: string) => runCyradm(server.port, script);

describe.skipIf(!hasCyradm)("Cyrus's Perl cyradm: info and mboxcfg", () => {
  beforeAll(async () => {
    server = await startTestServer({ users: ['admin', 'alice'], conf: ['unixhierarchysep: yes', 'altnamespace: no', 'autocreate_quota: -1'] });
    const c = await RawClient.connect(server.port);
    await c.command('l', 'LOGIN admin pass');
    for (const name of ['user/alice', 'user/alice/lists']) expect((await c.command('c', `CREATE ${name}`)).at(-1)).toMatch(/^c OK/);
    c.close();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('shows server and mailbox entries, and sets a comment, expire and the motd', async () => {
    const { stdout, stderr } = await cyradm([
      'info',
      'info user/alice/lists',
      'mboxcfg user/alice/lists comment "mailing lists"',
      'mboxcfg user/alice/lists expire 30',
      'setinfo motd "maintenance at noon"',
      'info user/alice/lists',
      'info',
      '',
    ].join('\n'));
    expect(stderr + stdout).not.toMatch(/does not support METADATA|mboxconfig:|setinfo:/);
    const blocks = stdout.split(/127\.0\.0\.1> /);
    const mailboxInfo = blocks.filter((b) => b.includes('{user/alice/lists}'));
    expect(mailboxInfo).toHaveLength(2);
    // Before: the entries are listed, without values; partition, size and uniqueid are facts.
    expect(mailboxInfo[0]).toMatch(/comment: NIL/);
    expect(mailboxInfo[0]).toMatch(/partition: default/);
    expect(mailboxInfo[0]).toMatch(/size: 0/);
    expect(mailboxInfo[0]).toMatch(/uniqueid: \S+/);
    // After mboxcfg.
    expect(mailboxInfo[1]).toMatch(/shared:[\s\S]*comment: mailing lists/);
    expect(mailboxInfo[1]).toMatch(/expire: 30/);
    const serverInfo = blocks.filter((b) => b.includes('{Server Wide}'));
    expect(serverInfo).toHaveLength(2);
    expect(serverInfo[0]).toMatch(/motd: NIL/);
    expect(serverInfo[1]).toMatch(/motd: maintenance at noon/);
    // The motd entry is the message-of-the-day file: the next login hears it as an ALERT.
    expect(readFileSync(join(server.dir, 'conf', 'msg', 'motd'), 'utf8')).toBe('maintenance at noon\n');
    const alice = await RawClient.connect(server.port);
    expect(await alice.command('l', 'LOGIN alice pass')).toContain('* OK [ALERT] maintenance at noon');
    alice.close();
    const cleared = await cyradm('setinfo motd ""\n');
    expect(cleared.stderr).toBe('');
    expect(existsSync(join(server.dir, 'conf', 'msg', 'motd'))).toBe(false);
  });
});
