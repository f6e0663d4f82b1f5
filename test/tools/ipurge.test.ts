// ipurge (Cyrus's ipurge(8)): which messages go (age by Date header or delivery time, size, -x, -i,
// -s, -o), which mailboxes (patterns, shared only unless -f, -M), and that they go the way IMAP
// EXPUNGE takes them (quota released, modseq raised, expunge_mode kept, IDLE sessions told).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planCommand } from '../../src/master/programs.js';
import type { MailStore } from '../../src/store/index.js';
import { buildProgram } from '../../src/tools/cli.js';
import { internalPattern, mailboxSelector, runIpurge, shouldPurge, type IpurgeOptions, type PurgeCandidate, type PurgeRules } from '../../src/tools/ipurge.js';
import { runNotifying } from '../../src/tools/notify.js';
import { RawClient, startTestServer, type TestServer } from '../imap/harness.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-04T12:00:00Z');

let env: TestEnv | null = null;
let server: TestServer | null = null;
afterEach(async () => {
  env?.cleanup();
  env = null;
  await server?.close();
  server = null;
});

describe('which messages ipurge takes', () => {
  const rules = (over: Partial<PurgeRules>): PurgeRules => ({
    criterion: { kind: 'age', days: 30 }, exact: false, invert: false, deliveryTime: false, skipFlagged: false, onlyDeleted: false, ...over,
  });
  const msg = (over: Partial<PurgeCandidate>): PurgeCandidate => ({ sentAt: NOW - 40 * DAY, internalDate: NOW - 40 * DAY, size: 1000, flagged: false, deleted: false, ...over });
  const cases: Array<[string, Partial<PurgeRules>, Partial<PurgeCandidate>, boolean]> = [
    ['older than -d by Date header', {}, {}, true],
    ['newer than -d', {}, { sentAt: NOW - 10 * DAY }, false],
    ['exactly -d days old is not older', {}, { sentAt: NOW - 30 * DAY }, false],
    ['old Date header, new delivery: the Date header counts', {}, { internalDate: NOW - DAY }, true],
    ['old Date header, new delivery, -X: delivery counts', { deliveryTime: true }, { internalDate: NOW - DAY }, false],
    ['new Date header, old delivery, -X', { deliveryTime: true }, { sentAt: NOW - DAY }, true],
    ['-i: newer goes, older stays', { invert: true }, {}, false],
    ['-i: newer goes', { invert: true }, { sentAt: NOW - DAY }, true],
    ['-x: 40 whole days old for -d 40', { exact: true, criterion: { kind: 'age', days: 40 } }, { sentAt: NOW - 40 * DAY - 3600_000 }, true],
    ['-x: 41 days old for -d 40', { exact: true, criterion: { kind: 'age', days: 40 } }, { sentAt: NOW - 41 * DAY }, false],
    ['-x -i: not 40 days old', { exact: true, invert: true, criterion: { kind: 'age', days: 40 } }, { sentAt: NOW - 41 * DAY }, true],
    ['larger than -b', { criterion: { kind: 'size', bytes: 999 } }, {}, true],
    ['as large as -b is not larger', { criterion: { kind: 'size', bytes: 1000 } }, {}, false],
    ['-x size', { exact: true, criterion: { kind: 'size', bytes: 1000 } }, {}, true],
    ['-i size: smaller', { invert: true, criterion: { kind: 'size', bytes: 2000 } }, {}, true],
    ['-s spares \\Flagged', { skipFlagged: true }, { flagged: true }, false],
    ['without -s \\Flagged goes', {}, { flagged: true }, true],
    ['-o: only \\Deleted', { onlyDeleted: true }, {}, false],
    ['-o: \\Deleted goes', { onlyDeleted: true }, { deleted: true }, true],
  ];
  it.each(cases)('%s', (_name, r, m, expected) => {
    expect(shouldPurge(rules(r), msg(m), NOW)).toBe(expected);
  });
});

describe('which mailboxes ipurge looks in', () => {
  const names = ['shared', 'shared.lists', 'shared.lists.old', 'shared.news', 'user.fred', 'user.fred.Trash', 'user.joe', 'example.com!shared.x', 'example.com!user.ann'];
  const pick = (patterns: string[], force = false, noRecurse = false): string[] => names.filter(mailboxSelector(patterns, { force, noRecurse }));
  it.each([
    [[], false, false, ['shared', 'shared.lists', 'shared.lists.old', 'shared.news', 'example.com!shared.x']],
    [[], true, false, names],
    [['shared.lists'], false, false, ['shared.lists', 'shared.lists.old']],
    [['shared/lists'], false, true, ['shared.lists']],
    [['shared.%'], false, true, ['shared.lists', 'shared.news']],
    [['user/*'], false, false, []],
    [['user/*'], true, false, ['user.fred', 'user.fred.Trash', 'user.joe']],
    [['user/fred'], true, true, ['user.fred']],
    [['user/fred'], true, false, ['user.fred', 'user.fred.Trash']],
    [['user/*@example.com'], true, false, ['example.com!user.ann']],
    // As a global admin's LIST "*", every domain's too.
    [['*'], false, false, ['shared', 'shared.lists', 'shared.lists.old', 'shared.news', 'example.com!shared.x']],
  ] as Array<[string[], boolean, boolean, string[]]>)('%j (-f %s, -M %s)', (patterns, force, noRecurse, expected) => {
    expect(pick(patterns, force, noRecurse)).toEqual(expected);
  });
  it('reads both separators', () => {
    expect(internalPattern('user/fred.smith/Lists')).toBe('user.fred^smith.Lists');
    expect(internalPattern('user.fred.*')).toBe('user.fred.*');
    expect(internalPattern('shared/*@Example.com')).toBe('example.com!shared.*');
  });
});

/** A message with this Date header (or none), `bytes` long at least. */
function dated(subject: string, date: string | null, bytes = 0): Buffer {
  const head = `From: a@example.com\r\nSubject: ${subject}\r\n${date === null ? '' : `Date: ${date}\r\n`}\r\n`;
  return Buffer.from(head + 'x'.repeat(Math.max(0, bytes - head.length - 2)) + '\r\n');
}

async function run(patterns: string[], opts: Partial<IpurgeOptions>): Promise<{ status: number; out: string; err: string; changed: string[] }> {
  let out = '';
  let err = '';
  const changed: string[] = [];
  const status = await runIpurge(patterns, { config: env!.configFile, now: NOW, notifier: { mailboxChanged: (n) => changed.push(n) }, ...opts }, (t) => (out += t), (t) => (err += t));
  return { status, out, err, changed };
}

function subjects(store: MailStore, name: string): string[] {
  const box = store.openMailbox(name);
  try {
    return [...box.summaries([...box.snapshot().uids]).values()].map((m) => m.envelope.subject ?? '');
  } finally {
    box.close();
  }
}

/** shared.lists (+ .old below it) and user.fred, each with old/new, small/large messages; a quota on user.fred. */
async function fill(mode: string): Promise<MailStore> {
  env = makeEnv(`expunge_mode: ${mode}\nfsync_disabled: yes\nunixhierarchysep: yes`);
  const store = env.open();
  for (const name of ['shared', 'shared.lists', 'shared.lists.old', 'user.fred']) store.createMailbox(name);
  store.setQuotaRoot('user.fred', 'user.fred');
  store.setQuota('user.fred', { storage: 1000 });
  for (const name of ['shared.lists', 'shared.lists.old', 'user.fred']) {
    const box = store.openMailbox(name);
    await box.append([
      { content: dated('old', 'Mon, 1 Jan 2024 10:00:00 +0000'), internalDate: new Date(NOW - DAY) },
      { content: dated('new', 'Thu, 3 Dec 2026 10:00:00 +0000', 20_000), internalDate: new Date(NOW - 400 * DAY) },
      { content: dated('old flagged', 'Mon, 1 Jan 2024 10:00:00 +0000'), flags: ['\\Flagged'] },
      { content: dated('no date, old delivery', null), internalDate: new Date(NOW - 400 * DAY) },
    ]);
    box.close();
  }
  return store;
}

describe('ipurge over a data directory', () => {
  it('purges old messages of shared mailboxes only, by Date header; users\' need -f', async () => {
    const store = await fill('immediate');
    const result = await run([], { days: '30', verbose: true });
    expect(result).toMatchObject({ status: 0, err: '' });
    for (const name of ['shared.lists', 'shared.lists.old']) expect(subjects(store, name)).toEqual(['new']);
    expect(subjects(store, 'user.fred')).toHaveLength(4);
    expect(result.out).toContain('shared.lists: 4 message(s)');
    expect(result.out).toContain('purged 3 message(s)');
    expect(result.changed.sort()).toEqual(['shared.lists', 'shared.lists.old']);
    // -f takes users' mailboxes too; -M keeps a pattern to the mailbox it names.
    expect((await run(['user/fred'], { days: '30', force: true, noRecurse: true })).status).toBe(0);
    expect(subjects(store, 'user.fred')).toEqual(['new']);
  });

  it('-X measures from the delivery time; -s spares flagged, -o takes only \\Deleted', async () => {
    const store = await fill('immediate');
    expect((await run(['shared/lists'], { days: '30', deliveryTime: true, skipFlagged: true, noRecurse: true })).status).toBe(0);
    expect(subjects(store, 'shared.lists').sort()).toEqual(['old', 'old flagged']);
    const box = store.openMailbox('shared.lists.old');
    box.setFlags([1], 'add', ['\\Deleted']);
    box.close();
    expect((await run(['shared.lists.old'], { days: '0', onlyDeleted: true })).status).toBe(0);
    expect(subjects(store, 'shared.lists.old').sort()).toEqual(['new', 'no date, old delivery', 'old flagged']);
  });

  it('by size (-k), -n only says; the expunge releases quota, raises modseq and keeps expunge_mode delayed', async () => {
    const store = await fill('delayed');
    const quotaBefore = store.quotas.quotaOf('user.fred')!;
    const box = store.openMailbox('user.fred');
    const modseqBefore = box.status().highestModseq;
    const path = box.path;
    box.close();
    const dry = await run(['user/fred'], { kbytes: '10', force: true, dryRun: true });
    expect(dry.out).toMatch(/^user\.fred: would purge UID 2 \(20000 bytes/m);
    expect(dry.changed).toEqual([]);
    expect(subjects(store, 'user.fred')).toHaveLength(4);
    expect((await run(['user/fred'], { kbytes: '10', force: true })).status).toBe(0);
    expect(subjects(store, 'user.fred').sort()).toEqual(['no date, old delivery', 'old', 'old flagged']);
    expect(store.quotas.quotaOf('user.fred')!.usage.storage).toBe(quotaBefore.usage.storage - 20_000);
    const after = store.openMailbox('user.fred');
    try {
      expect(after.status().highestModseq).toBeGreaterThan(modseqBefore);
      expect(after.changesSince(modseqBefore).expunged).toEqual([2]);
      // expunge_mode delayed: the file stays for unexpunge until cyr_expire -X.
      expect(after.restorable().map((r) => r.uid)).toEqual([2]);
      expect(existsSync(join(path, '2.'))).toBe(true);
    } finally {
      after.close();
    }
  });

  it('refuses a missing or doubled criterion and a bad number', async () => {
    env = makeEnv('fsync_disabled: yes');
    expect((await run([], {})).status).toBe(64);
    expect((await run([], { days: '3', bytes: '10' })).status).toBe(64);
    expect((await run([], { days: 'ten' })).err).toContain('-d needs a whole number');
  });

  it('is what the master runs for an EVENTS entry', () => {
    const subcommands = new Set(buildProgram().commands.map((c) => c.name()));
    expect(planCommand('/usr/lib/cyrus/bin/ipurge -f -d 30 user/*', subcommands, '')).toEqual({ kind: 'subcommand', name: 'ipurge', args: ['-f', '-d', '30', 'user/*'] });
    expect(planCommand('ipurge -X -m 10', subcommands, '')).toEqual({ kind: 'subcommand', name: 'ipurge', args: ['-X', '-m', '10'] });
  });

  it('parses Cyrus\'s flags on the command line (-M, -X, -m beside -x)', async () => {
    env = makeEnv('fsync_disabled: yes');
    const program = buildProgram();
    const ipurge = program.commands.find((c) => c.name() === 'ipurge')!;
    ipurge.action(() => undefined);
    await program.parseAsync(['node', 'cyrusts', 'ipurge', '-C', env.configFile, '-M', '-X', '-x', '-m', '5', '-f', '-s', '-o', '-i', '-n', '-v', 'shared/*']);
    expect(ipurge.opts()).toMatchObject({ recurse: false, deliveryTime: true, exact: true, mbytes: '5', force: true, skipFlagged: true, onlyDeleted: true, invert: true, dryRun: true, verbose: true });
    expect(ipurge.processedArgs[0]).toEqual(['shared/*']);
  });
});

describe('ipurge and a running server', () => {
  it('an IMAP session in IDLE sees the EXPUNGE of a purge run against the same data', async () => {
    server = await startTestServer({ notify: true });
    const c = await RawClient.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    const mail = 'From: a@example.com\r\nSubject: old\r\n\r\nbody\r\n';
    c.write(`b APPEND INBOX "01-Jan-2020 10:00:00 +0000" {${mail.length}+}\r\n${mail}\r\n`);
    expect((await c.readUntil((l) => l.startsWith('b '))).at(-1)).toMatch(/^b OK/);
    c.write(`c APPEND INBOX {${mail.length}+}\r\n${mail}\r\n`);
    expect((await c.readUntil((l) => l.startsWith('c '))).at(-1)).toMatch(/^c OK/);
    await c.command('d', 'SELECT INBOX');
    c.write('i IDLE\r\n');
    expect(await c.readLine()).toBe('+ idling');
    const configFile = join(server.dir, 'imapd.conf');
    let out = '';
    const status = await runNotifying(configFile, (notifier) => runIpurge(['user/fred'], { config: configFile, days: '30', deliveryTime: true, force: true, notifier }, (t) => (out += t), (t) => (out += t)));
    expect(status).toBe(0);
    const lines = await c.readUntil((l) => /^\* \d+ EXPUNGE$/.test(l), 5000);
    expect(lines.at(-1)).toBe('* 1 EXPUNGE');
    c.write('DONE\r\n');
    expect((await c.readUntil((l) => l.startsWith('i '))).at(-1)).toMatch(/^i OK/);
    expect(await c.command('e', 'UID SEARCH ALL')).toContain('* SEARCH 2');
    c.close();
  });
});
