// squatter (Cyrus's squatter(8)) over our search_engine index: messages appended before
// search_engine was on get their text indexed, in batches, for the mailboxes chosen by name, -r,
// -u, -N and -a; -s skips mailboxes with nothing new since the last run, -A only reports.
import { appendFileSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { MailStore, VENDOR_ENTRY } from '../../src/store/index.js';
import { buildProgram } from '../../src/tools/cli.js';
import { planCommand } from '../../src/master/programs.js';
import { runSquatter, type SquatterOptions } from '../../src/tools/squatter.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv | null = null;
afterEach(() => {
  env?.cleanup();
  env = null;
});

async function run(names: string[], opts: Partial<SquatterOptions> = {}): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await runSquatter(names, { config: env!.configFile, ...opts }, (t) => (out += t), (t) => (err += t));
  return { status, out, err };
}

/** user.fred (3 messages), user.fred.Sent (2), user.joe (1), shared.news (1), all appended with search_engine none; then it is switched on. */
async function before(): Promise<void> {
  env = makeEnv('fsync_disabled: yes\nunixhierarchysep: yes');
  const store = env.open();
  const boxes: Array<[string, number]> = [['user.fred', 3], ['user.fred.Sent', 2], ['user.joe', 1], ['shared.news', 1]];
  for (const [name, n] of boxes) {
    store.createMailbox(name);
    const box = store.openMailbox(name);
    await box.append(Array.from({ length: n }, (_, i) => ({ content: message(`${name} ${i + 1}`, `Body of ${name} number ${i + 1}: walrus.\n`) })));
    box.close();
  }
  store.close();
  appendFileSync(env.configFile, '\nsearch_engine: squat\n');
}

/** Each mailbox's count of messages whose text is not indexed, through a store that sees search_engine on. */
function unindexed(): Record<string, number> {
  const store = MailStore.open({ config: ImapdConfig.load(env!.configFile) });
  try {
    const out: Record<string, number> = {};
    for (const e of store.list('*')) {
      const box = store.openMailbox(e.name);
      out[e.name] = box.searchTextState().unindexed;
      box.close();
    }
    return out;
  } finally {
    store.close();
  }
}

function bodySearch(name: string, needle: string): { matching: number[]; unindexed: number[] } | null {
  const store = MailStore.open({ config: ImapdConfig.load(env!.configFile) });
  try {
    const box = store.openMailbox(name);
    const found = box.fields.textSearch(needle, false);
    box.close();
    return found && { matching: [...found.matching], unindexed: [...found.unindexed] };
  } finally {
    store.close();
  }
}

describe('squatter', () => {
  it('indexes every mailbox by default, in batches, so the index answers BODY for the older messages', async () => {
    await before();
    expect(unindexed()).toEqual({ 'shared.news': 1, 'user.fred': 3, 'user.fred.Sent': 2, 'user.joe': 1 });
    expect(bodySearch('user.fred', 'walrus')).toBeNull(); // no index table yet: every file is read
    const writes: string[] = [];
    const done = await run([], { verbose: true, batchMessages: 2, progress: { isTTY: true, write: (t) => writes.push(t) } });
    expect(done.status).toBe(0);
    expect(done.out).toContain('user.fred: 3 messages indexed\n');
    expect(unindexed()).toEqual({ 'shared.news': 0, 'user.fred': 0, 'user.fred.Sent': 0, 'user.joe': 0 });
    expect(bodySearch('user.fred', 'walrus')).toEqual({ matching: [1, 2, 3], unindexed: [] });
    expect(bodySearch('user.fred', 'number 2')).toEqual({ matching: [2], unindexed: [] });
    // The first update is always drawn (later ones at most ten times a second).
    expect(writes[0]).toBe('\rmailbox 1/4 shared.news: 1/1\x1b[K');
    expect(writes.at(-1)).toBe('\r\x1b[K');
    // A second run finds nothing left to do.
    expect((await run([], { verbose: true })).out).toContain('user.fred: 0 messages indexed\n');
  });

  it('indexes only the mailboxes named, their subtrees with -r, users\' with -u, names beginning with -N', async () => {
    await before();
    expect((await run(['user/fred'])).status).toBe(0);
    expect(unindexed()).toEqual({ 'shared.news': 1, 'user.fred': 0, 'user.fred.Sent': 2, 'user.joe': 1 });
    await run(['user.fred'], { recursive: true });
    expect(unindexed()['user.fred.Sent']).toBe(0);
    await run(['joe'], { user: true });
    expect(unindexed()['user.joe']).toBe(0);
    await run([], { name: 'shared' });
    expect(unindexed()['shared.news']).toBe(0);
    const missing = await run(['user/nobody']);
    expect([missing.status, missing.err]).toEqual([1, 'squatter: user/nobody: mailbox does not exist\n']);
  });

  it('with -a indexes only mailboxes whose squat annotation, or an ancestor\'s, is true', async () => {
    await before();
    // Through a store that still sees search_engine none: the Trash message is not indexed at append.
    const store = MailStore.open({ config: env!.config });
    store.createMailbox('user.fred.Trash');
    const trash = store.openMailbox('user.fred.Trash');
    await trash.append([{ content: message('binned', 'walrus\n') }]);
    trash.close();
    const set = (name: string, value: string) => store.annotations.apply(store.lookup(name)!.uniqueId, [{ entry: VENDOR_ENTRY.squat, userid: '', value: Buffer.from(value) }], { maxEntries: 0 });
    set('user.fred', 'true');
    set('user.fred.Sent', 'false');
    store.close();
    await run([], { squatAnnot: true });
    // user.fred.Trash inherits user.fred's "true"; user.fred.Sent's own "false" wins; the others have none.
    expect(unindexed()).toEqual({ 'shared.news': 1, 'user.fred': 0, 'user.fred.Sent': 2, 'user.fred.Trash': 0, 'user.joe': 1 });
  });

  it('with -s skips mailboxes with nothing saved since its last run there', async () => {
    await before();
    await run(['user.fred', 'user.joe']);
    const skipped = await run(['user.fred', 'user.joe', 'shared.news'], { squatSkip: true, verbose: true });
    expect(skipped.out.replace(/ \(\S+\)/g, '')).toBe('shared.news: 1 message indexed\nuser.fred: skipped, nothing saved since the last run\nuser.joe: skipped, nothing saved since the last run\n');
    // A message saved afterwards (by a store without search_engine: not indexed) makes user.joe due again.
    const off = MailStore.open({ config: env!.config });
    const box = off.openMailbox('user.joe');
    await box.append([{ content: message('late', 'late walrus\n') }]);
    box.close();
    off.close();
    // -s's value is optional: a mailbox name after it is a mailbox, not a delta.
    const again = await run(['user.fred'], { squatSkip: 'user.joe', verbose: true });
    expect(again.out.replace(/ \(\S+\)/g, '')).toBe('user.fred: skipped, nothing saved since the last run\nuser.joe: 1 message indexed\n');
    expect((await run(['user.joe'], { squatSkip: '60', verbose: true })).out).toMatch(/^user\.joe: skipped, nothing saved since the last run \(\d{4}-/);
  });

  it('leaves a message whose file is gone unindexed, says so and indexes the rest', async () => {
    await before();
    const store = MailStore.open({ config: ImapdConfig.load(env!.configFile) });
    const box = store.openMailbox('user.fred');
    rmSync(box.messagePath(2));
    box.close();
    store.close();
    const r = await run(['user.fred']);
    expect(r.status).toBe(1);
    expect(r.err).toBe('squatter: user.fred: message 2: file missing or unreadable, left unindexed (run reconstruct)\n');
    expect(bodySearch('user.fred', 'walrus')).toEqual({ matching: [1, 3], unindexed: [2] });
    const audit = await run([], { audit: true, verbose: true });
    expect(audit.out).toContain('user.fred: 1 unindexed message: 2\n');
    expect(audit.out).toContain('user.joe: 1 unindexed message: 1\n');
  });

  it('refuses the modes it does not offer and a configuration without search_engine', async () => {
    await before();
    const rolling = await run([], { rolling: true });
    expect(rolling.status).toBe(64);
    expect(rolling.err).toMatch(/-R \(rolling mode\) is not offered/);
    expect((await run([], { sleep: 'soon' })).status).toBe(64);
    appendFileSync(env!.configFile, 'search_engine: none\n');
    const off = await run([]);
    expect(off.status).toBe(78);
    expect(off.err).toMatch(/search_engine is none/);
  });

  it('is a subcommand with Cyrus\'s flags that cyrus.conf EVENTS can run', () => {
    const program = buildProgram();
    const help = program.commands.find((c) => c.name() === 'squatter')!.helpInformation();
    for (const flag of ['-r', '-u', '-a', '-i', '-s', '-N', '-S', '-A', '-v', '-R', '-C']) expect(help).toContain(`${flag},`);
    const plan = planCommand('squatter -s 60', new Set(program.commands.map((c) => c.name())));
    expect(plan).toEqual({ kind: 'subcommand', name: 'squatter', args: ['-s', '60'] });
  });
});
