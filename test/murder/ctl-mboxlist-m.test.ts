// ctl_mboxlist -m [-a] [-w] against our mupdate master: ACTIVATE what the master lacks or has
// differently, DELETE its entries for this server that are not here, report (never delete) local
// mailboxes the master places on another server, -a makes those ours, -w changes nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectMupdate, type MupdateConnection } from '../../src/murder/index.js';
import { runMupdateSync } from '../../src/tools/mupdate-sync.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';
import { startMupdate, type MupdateTestServer } from './harness.js';

let master: MupdateTestServer;
let env: TestEnv;
let conn: MupdateConnection;

const ACL = 'fred\tlrswipkxtecdan\t';

beforeEach(async () => {
  master = await startMupdate({ mode: 'master' });
  env = makeEnv([
    'servername: be1.test',
    'mupdate_server: 127.0.0.1',
    `mupdate_port: ${master.port}`,
    'mupdate_authname: admin',
    'mupdate_password: pass',
  ].join('\n'));
  const store = env.open({ publisher: null });
  store.createMailbox('user.a', { acl: ACL });
  store.createMailbox('user.b', { acl: ACL });
  store.createMailbox('user.c', { acl: ACL });
  store.createMailbox('user.e', { acl: ACL });
  store.close();
  conn = await connectMupdate({ host: master.host, port: master.port, authname: 'admin', password: 'pass' });
  await conn.activate('user.b', 'be1.test!default', 'fred\tlrs\t'); // here, other ACL
  await conn.activate('user.e', 'be1.test!default', ACL); // here, the same
  await conn.activate('user.gone', 'be1.test!default', ACL); // here, but not in our list
  await conn.activate('user.c', 'be2.test!default', 'c\tlrs\t'); // ours, but on be2 in the Murder
  await conn.activate('user.d', 'be2.test!default', ''); // be2's
});

afterEach(async () => {
  await conn?.close();
  env?.cleanup();
  await master?.close();
});

async function run(opts: { authoritative?: boolean; whatIf?: boolean; config?: string; progress?: { isTTY: boolean; write(t: string): void } } = {}) {
  let out = '';
  let err = '';
  const status = await runMupdateSync({ config: opts.config ?? env.configFile, ...opts }, (t) => (out += t), (t) => (err += t));
  return { status, out, err };
}

async function masterList(): Promise<string[]> {
  return (await conn.list()).map((r) => `${r.name} ${r.location}${r.kind === 'mailbox' ? ` ${r.acl}` : ''}`);
}

describe('ctl_mboxlist -m', () => {
  it('-w prints what it would do and changes nothing', async () => {
    const before = await masterList();
    const { status, out, err } = await run({ whatIf: true });
    expect(out).toBe([
      'would ACTIVATE user.a be1.test!default',
      'would ACTIVATE user.b be1.test!default',
      'would DELETE user.gone',
      '',
    ].join('\n'));
    expect(err).toContain('CONFLICT user.c: here on be1.test!default, the master places it on be2.test!default');
    expect(status).toBe(65);
    expect(await masterList()).toEqual(before);
    const store = env.open({ publisher: null });
    expect(store.murderOutbox.pending()).toHaveLength(4); // the creates' rows stay for the pusher
  });

  it('syncs the master; a conflict is reported, kept here, and the exit status says so', async () => {
    const { status, out, err } = await run();
    expect(out).toBe('ACTIVATE user.a be1.test!default\nACTIVATE user.b be1.test!default\nDELETE user.gone\n');
    expect(status).toBe(65);
    expect(err).toMatch(/CONFLICT user\.c: .*not deleted/);
    expect(await masterList()).toEqual([
      `user.a be1.test!default ${ACL}`,
      `user.b be1.test!default ${ACL}`,
      'user.c be2.test!default c\tlrs\t',
      'user.d be2.test!default ',
      `user.e be1.test!default ${ACL}`,
    ]);
    const store = env.open({ publisher: null });
    expect(store.lookup('user.c')).not.toBeNull(); // no mail deleted
    expect(store.murderOutbox.pending()).toEqual([]); // the list it read covered them
    expect(store.murderOutbox.lease()).toBeNull();
    // Once in sync, a second run has nothing to do but the conflict.
    expect((await run()).out).toBe('');
  });

  it('-a: the local list wins, conflicts included', async () => {
    const { status, out } = await run({ authoritative: true });
    expect(out).toBe('ACTIVATE user.a be1.test!default\nACTIVATE user.b be1.test!default\nACTIVATE user.c be1.test!default\nDELETE user.gone\n');
    expect(status).toBe(0);
    expect(await conn.find('user.c')).toEqual({ kind: 'mailbox', name: 'user.c', location: 'be1.test!default', acl: ACL });
  });

  it('shows progress on a terminal only', async () => {
    let shown = '';
    await run({ whatIf: true, progress: { isTTY: true, write: (t) => (shown += t) } });
    expect(shown).toContain('ctl_mboxlist: asking the master');
    shown = '';
    await run({ whatIf: true, progress: { isTTY: false, write: (t) => (shown += t) } });
    expect(shown).toBe('');
  });

  it('refuses off a Murder, and says when the master cannot be reached', async () => {
    const plain = makeEnv('');
    try {
      const off = await run({ config: plain.configFile });
      expect(off.status).toBe(78);
      expect(off.err).toContain('mupdate_server');
    } finally {
      plain.cleanup();
    }
    await conn.close();
    await master.close();
    const down = await run();
    expect(down.status).toBe(75);
    expect(down.err).toContain('mupdate master');
    const store = env.open({ publisher: null });
    expect(store.murderOutbox.pending()).toHaveLength(4);
    expect(store.murderOutbox.lease()).toBeNull();
    master = null!;
    conn = null!;
  });
});
