// mbexamine (Cyrus's mbexamine(8)): the mailbox header, index header and records of mailboxes
// (names or patterns), one record with -u / -s, and the comparisons with the files of -q and -c.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { buildProgram } from '../../src/tools/cli.js';
import { runMbexamine, type MbexamineOptions } from '../../src/tools/mbexamine.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv | null = null;
afterEach(() => {
  env?.cleanup();
  env = null;
});

function run(args: string[], opts: Partial<MbexamineOptions> = {}): { status: number; out: string; err: string } {
  let out = '';
  let err = '';
  const status = runMbexamine(args, { config: env!.configFile, ...opts }, (t) => (out += t), (t) => (err += t));
  return { status, out, err };
}

/** user.fred with messages 1-4 (2: \Flagged and $Work; 1 expunged) and user.fred.Sent with one. */
async function fred(): Promise<MailStore> {
  env = makeEnv('fsync_disabled: yes\nunixhierarchysep: yes\nexpunge_mode: delayed');
  const store = env.open();
  store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  store.createMailbox('user.fred.Sent');
  const box = store.openMailbox('user.fred');
  await box.append([1, 2, 3, 4].map((i) => ({ content: message(`m${i}`), flags: i === 2 ? ['\\Flagged', '$Work'] : [] })));
  box.setFlags([1], 'add', ['\\Deleted']);
  box.expunge();
  box.close();
  const sent = store.openMailbox('user.fred.Sent');
  await sent.append([{ content: message('sent') }]);
  sent.close();
  return store;
}

describe('mbexamine', () => {
  it('prints the mailbox header, the index header and every record', async () => {
    const store = await fred();
    const entry = store.lookup('user.fred')!;
    const box = store.openMailbox('user.fred');
    const [record] = box.records([2]);
    box.close();
    const r = run(['user/fred']);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^Examining user\/fred\.\.\. Mailbox Header Info:\n {2}Path to mailbox: \S+\/user\/fred\n {2}Mailbox ACL: fred\tlrswipkxtecdan\t\n/);
    expect(r.out).toContain(`  Unique ID: ${entry.uniqueId}\n  User Flags: $Work\n`);
    expect(r.out).toContain('  Number of Messages: 3  Mailbox Size: ');
    expect(r.out).toMatch(/ {2}UIDValidity: \d+ {2}Last UID: 4 {2}Recent UID: 0\n {2}Deleted: 0 {2}Answered: 0 {2}Flagged: 1 {2}Seen: 0\n/);
    expect(r.out).toContain('  Expunged Records: 1 (1 with their files)\n');
    expect(r.out.match(/^\d{6}> UID:\d{8}/gm)).toEqual(['000001> UID:00000002', '000002> UID:00000003', '000003> UID:00000004']);
    expect(r.out).toContain(`SYSFLAGS:00000002  GUID:${record!.guid} MODSEQ:${record!.modseq}\n      > SYSTEMFLAGS: \\Flagged\n      > USERFLAGS: $Work\n`);
    expect(r.out).toMatch(/ Envel>\{\d+\}\("Mon, 1 Jan 2024 10:00:00 \+0000" "m2"/);
    expect(r.out).toMatch(/CACHE: SUMMARY:\d+ FIELDS:yes TEXTINDEXED:no\n/);
  });

  it('picks one record with -u or -s, and says when there is none', async () => {
    await fred();
    const one = run(['user.fred'], { uid: '3' });
    expect(one.out.match(/^\d{6}> UID:\d{8}/gm)).toEqual(['000002> UID:00000003']);
    expect(run(['user.fred'], { seq: '3' }).out.match(/^\d{6}> UID:\d{8}/gm)).toEqual(['000003> UID:00000004']);
    expect(run(['user.fred'], { uid: '1' }).out).toMatch(/ Message Info:\nDesired message not found\n$/);
    expect(run(['user.fred'], { seq: '4' }).out).toMatch(/Desired message not found\n$/);
  });

  it('examines every mailbox a pattern matches', async () => {
    await fred();
    expect(run(['user/fred*'], { quota: true }).out).toBe(
      'Examining user/fred...  Mailbox has CORRECT total quota usage\nExamining user/fred/Sent...  Mailbox has CORRECT total quota usage\n',
    );
    expect(run(['user/fred/%'], { quota: true }).out).toBe('Examining user/fred/Sent...  Mailbox has CORRECT total quota usage\n');
  });

  it('-c reports the records whose file differs or is gone; -q a byte count that disagrees with the files', async () => {
    const store = await fred();
    expect(run(['user/fred'], { compare: true })).toMatchObject({ status: 0 });
    expect(run(['user/fred'], { compare: true }).out).not.toMatch(/UID:/);
    const box = store.openMailbox('user.fred');
    const [two, three] = box.records([2, 3]);
    writeFileSync(box.messagePath(2), `${readFileSync(box.messagePath(2), 'latin1')}more\r\n`, 'latin1');
    rmSync(box.messagePath(3));
    box.close();
    const c = run(['user/fred'], { compare: true });
    expect(c.status).toBe(1);
    const lines = c.out.split('\n').filter((l) => l.includes('UID:'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^ {2}UID:00000002 SIZE:${two!.size} GUID:${two!.guid} *\\tSIZE:${two!.size + 6} GUID:[0-9a-f]{40}$`));
    expect(lines[1]).toMatch(new RegExp(`^ {2}UID:00000003 SIZE:${three!.size} GUID:${three!.guid} *\\tno file$`));
    const q = run(['user/fred'], { quota: true });
    expect(q.status).toBe(1);
    expect(q.out).toMatch(/^Examining user\/fred\.\.\. {2}Mailbox has INCORRECT total quota usage\n {2}Index: (\d+) bytes {2}Records: \1 bytes {2}Files: \d+ bytes {2}Missing files: 1\n$/);
  });

  it('refuses bad arguments and names mailboxes that do not exist', async () => {
    await fred();
    expect(run(['user.fred'], { uid: 'x' }).status).toBe(64);
    expect(run(['user.fred'], { uid: '2', quota: true }).status).toBe(64);
    expect(run([], {}).status).toBe(64);
    expect(run(['user/nobody'])).toEqual({ status: 1, out: '', err: 'mbexamine: user/nobody: no such mailbox\n' });
  });

  it('is a subcommand with Cyrus\'s flags', () => {
    const help = buildProgram().commands.find((c) => c.name() === 'mbexamine')!.helpInformation();
    for (const flag of ['-u', '-s', '-q', '-c', '-C']) expect(help).toContain(`${flag},`);
  });
});
