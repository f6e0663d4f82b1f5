// cyr_userseen (Cyrus's cyr_userseen(8)): without -d it says whose seen state it would remove and
// changes nothing; with -d every user's \Seen goes on every mailbox (the owner's bits, other users'
// seen.db rows, a sharedseen mailbox's bits), each as a STORE -FLAGS (\Seen) would: modseq moves,
// CHANGEDSINCE finds the records, and an IDLE session of the running server hears of it. Bad flags
// and a bad configuration change nothing.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FLAG_SEEN } from '../../src/mailbox/index.js';
import type { MailStore } from '../../src/store/index.js';
import { runCyrUserseen, type CyrUserseenOptions } from '../../src/tools/cyr_userseen.js';
import { RawClient, startTestServer, type TestServer } from '../imap/harness.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';

const BIN = fileURLToPath(new URL('../../dist/bin/cyrusts.js', import.meta.url));

let env: TestEnv | null = null;
let server: TestServer | null = null;
afterEach(async () => {
  env?.cleanup();
  env = null;
  await server?.close();
  server = null;
});

/** The built program, run without blocking this process (a server may run in it). */
function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

function run(opts: Partial<CyrUserseenOptions>): { status: number; out: string; err: string; changed: string[] } {
  let out = '';
  let err = '';
  const changed: string[] = [];
  const status = runCyrUserseen({ config: env!.configFile, notifier: { mailboxChanged: (n) => changed.push(n) }, ...opts }, (t) => (out += t), (t) => (err += t));
  return { status, out, err, changed };
}

/** The UIDs `userid` (none: the records' bits) sees as \Seen in `name`. */
function seenBy(store: MailStore, name: string, userid?: string): number[] {
  const box = store.openMailbox(name);
  try {
    const snap = box.snapshot(userid);
    return [...snap.uids].filter((_, i) => (snap.systemFlags[i]! & FLAG_SEEN) !== 0);
  } finally {
    box.close();
  }
}

function highestModseq(store: MailStore, name: string): number {
  const box = store.openMailbox(name);
  try {
    return box.status().highestModseq;
  } finally {
    box.close();
  }
}

const mail = (subject: string) => ({ content: Buffer.from(`Subject: ${subject}\r\n\r\nbody\r\n`) });

/**
 * user.fred: fred (owner) saw 1 and 2, joe saw 3 (ACL); shared: joe saw 1, ann saw 1 and 2;
 * shared.news is sharedseen with 1 seen; shared.empty: nothing seen.
 */
async function fill(): Promise<MailStore> {
  env = makeEnv('fsync_disabled: yes\nunixhierarchysep: yes');
  const store = env.open();
  store.createMailbox('user.fred');
  store.createMailbox('shared');
  store.createMailbox('shared.news', { sharedSeen: true });
  store.createMailbox('shared.empty');
  for (const name of ['user.fred', 'shared', 'shared.news', 'shared.empty']) {
    const box = store.openMailbox(name);
    await box.append([mail('one'), mail('two'), mail('three')]);
    box.close();
  }
  const set = (name: string, uids: number[], userid: string) => {
    const box = store.openMailbox(name);
    box.setFlags(uids, 'add', ['\\Seen'], { userid });
    box.close();
  };
  set('user.fred', [1, 2], 'fred');
  set('user.fred', [3], 'joe');
  set('shared', [1], 'joe');
  set('shared', [1, 2], 'ann');
  set('shared.news', [1], 'ann');
  // A row from before shared.news was sharedseen: ignored there (the bits are everyone's), removed all the same.
  store.seen.update('bob', store.lookup('shared.news')!.uniqueId, [1, 2], []);
  return store;
}

describe('cyr_userseen over a data directory', () => {
  it('without -d says whose seen state would go and changes nothing', async () => {
    const store = await fill();
    const modseq = highestModseq(store, 'shared');
    const result = run({});
    expect(result).toMatchObject({ status: 0, err: '', changed: [] });
    expect(result.out).toBe([
      'would remove seen for ann on shared: 2 message(s)',
      'would remove seen for joe on shared: 1 message(s)',
      'would remove seen for everyone (sharedseen) on shared/news: 1 message(s)',
      'would remove seen for bob on shared/news: 0 message(s)',
      'would remove seen for fred on user/fred: 2 message(s)',
      'would remove seen for joe on user/fred: 1 message(s)',
      'cyr_userseen: would remove (run with -d to remove) 6 seen state(s), 7 message(s) seen, in 3 of 4 mailbox(es)',
      '',
    ].join('\n'));
    expect(seenBy(store, 'shared', 'ann')).toEqual([1, 2]);
    expect(seenBy(store, 'user.fred', 'fred')).toEqual([1, 2]);
    expect(highestModseq(store, 'shared')).toBe(modseq);
  });

  it('-d removes every user\'s seen state, moving modseq as a flag change does; seen.db keeps nothing', async () => {
    const store = await fill();
    const before = { fred: highestModseq(store, 'user.fred'), shared: highestModseq(store, 'shared'), news: highestModseq(store, 'shared.news'), empty: highestModseq(store, 'shared.empty') };
    const result = run({ delete: true });
    expect(result).toMatchObject({ status: 0, err: '' });
    expect(result.out).toContain('removed seen for fred on user/fred: 2 message(s)\n');
    expect(result.out).toContain('removed seen for bob on shared/news: 0 message(s)\n');
    expect(result.out).toContain('cyr_userseen: removed 6 seen state(s), 7 message(s) seen, in 3 of 4 mailbox(es)\n');
    expect([...new Set(result.changed)].sort()).toEqual(['shared', 'shared.news', 'user.fred']);
    for (const [name, users] of [['user.fred', ['fred', 'joe']], ['shared', ['ann', 'joe']], ['shared.news', ['ann', 'fred']]] as const) {
      for (const userid of users) expect(seenBy(store, name, userid), `${userid} on ${name}`).toEqual([]);
    }
    for (const name of ['user.fred', 'shared', 'shared.news']) expect(store.seen.usersOf(store.lookup(name)!.uniqueId)).toEqual([]);
    // CONDSTORE: the records that lost a \Seen carry a new modseq; a mailbox nobody had seen anything in is untouched.
    const box = store.openMailbox('shared');
    try {
      expect(box.status().highestModseq).toBeGreaterThan(before.shared);
      expect(box.changesSince(before.shared, 'ann').records.map((r) => r.uid)).toEqual([1, 2]);
    } finally {
      box.close();
    }
    expect(highestModseq(store, 'user.fred')).toBeGreaterThan(before.fred);
    expect(highestModseq(store, 'shared.news')).toBeGreaterThan(before.news);
    expect(highestModseq(store, 'shared.empty')).toBe(before.empty);
    // Nothing left to remove.
    expect(run({}).out).toBe('cyr_userseen: would remove (run with -d to remove) 0 seen state(s), 0 message(s) seen, in 0 of 4 mailbox(es)\n');
  });

  it('a seen.db row that holds only expunged messages is named and dropped too', async () => {
    const store = await fill();
    const box = store.openMailbox('shared');
    box.expunge({ uids: [1, 2], force: true });
    box.close();
    expect(run({}).out).toContain('would remove seen for ann on shared: 0 message(s)\n');
    expect(run({ delete: true }).out).toContain('removed seen for ann on shared: 0 message(s)\n');
    expect(store.seen.usersOf(store.lookup('shared')!.uniqueId)).toEqual([]);
  });
});

describe('cyr_userseen, the built program', () => {
  it('-d while a CONDSTORE session IDLEs on the INBOX: it hears the \\Seen go, CHANGEDSINCE finds it', async () => {
    server = await startTestServer({ notify: true, conf: ['unixhierarchysep: yes'] });
    // Only the push can tell the session in time: the slow safety poll is off.
    server.imap.deps.limits.idlePollMs = 3_600_000;
    const c = await RawClient.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    for (const tag of ['b1', 'b2']) {
      const text = `Subject: ${tag}\r\n\r\nbody\r\n`;
      c.write(`${tag} APPEND INBOX (\\Seen) {${text.length}+}\r\n${text}\r\n`);
      expect((await c.readUntil((l) => l.startsWith(`${tag} `))).at(-1)).toMatch(/OK/);
    }
    const selected = await c.command('c', 'SELECT INBOX (CONDSTORE)');
    const modseq = Number(/HIGHESTMODSEQ (\d+)/.exec(selected.join('\n'))![1]);
    c.write('i IDLE\r\n');
    expect(await c.readLine()).toBe('+ idling');
    const result = await cli(['cyr_userseen', '-C', join(server.dir, 'imapd.conf'), '-d']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('removed seen for fred on user/fred: 2 message(s)\n');
    const pushed = await c.readUntil((l) => /^\* 2 FETCH/.test(l), 5000);
    expect(pushed.filter((l) => / FETCH /.test(l))).toEqual([`* 1 FETCH (UID 1 FLAGS (\\Recent) MODSEQ (${modseq + 1}))`, `* 2 FETCH (UID 2 FLAGS (\\Recent) MODSEQ (${modseq + 1}))`]);
    c.write('DONE\r\n');
    await c.readUntil((l) => l.startsWith('i '));
    const changed = await c.command('d', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${modseq})`);
    expect(changed.filter((l) => l.startsWith('* '))).toEqual([`* 1 FETCH (UID 1 FLAGS (\\Recent) MODSEQ (${modseq + 1}))`, `* 2 FETCH (UID 2 FLAGS (\\Recent) MODSEQ (${modseq + 1}))`]);
    c.close();
  });

  it('bad flags and a missing configuration: an error, a non-zero exit, nothing removed', async () => {
    const store = await fill();
    const unknown = await cli(['cyr_userseen', '-C', env!.configFile, '-d', '-x']);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain("unknown option '-x'");
    const extra = await cli(['cyr_userseen', '-C', env!.configFile, '-d', 'user/fred']);
    expect(extra.status).not.toBe(0);
    expect(extra.stderr).toContain('too many arguments');
    const noConfig = await cli(['cyr_userseen', '-C', join(env!.dir, 'missing.conf'), '-d']);
    expect(noConfig.status).toBe(78);
    expect(seenBy(store, 'user.fred', 'fred')).toEqual([1, 2]);
    expect(seenBy(store, 'shared', 'ann')).toEqual([1, 2]);
    const dry = await cli(['cyr_userseen', '-C', env!.configFile]);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain('would remove seen for joe on user/fred: 1 message(s)');
  });
});
