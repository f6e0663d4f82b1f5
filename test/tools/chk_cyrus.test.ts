// chk_cyrus: the files and directories mailboxes.db says must exist and do not, one path per line
// on stdout (a missing message file, cyrus.header, cyrus.index, a whole mailbox directory); -M and
// -P narrow the check; a Murder mirror's remote mailboxes have no files here and are skipped.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { runChkCyrus, type ChkCyrusOptions } from '../../src/tools/chk_cyrus.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes\nservername: here');
  store = env.open();
});
afterEach(() => env.cleanup());

function run(opts: Partial<ChkCyrusOptions> = {}): { status: number; out: string[]; err: string } {
  let out = '';
  let err = '';
  const status = runChkCyrus({ config: env.configFile, ...opts }, (t) => (out += t), (t) => (err += t));
  return { status, out: out.split('\n').filter((l) => l !== ''), err };
}

async function filled(name: string, partition?: string): Promise<string> {
  store.createMailbox(name, partition ? { partition } : {});
  const box = store.openMailbox(name);
  await box.append([1, 2, 3].map((i) => ({ content: message(`m${i}`) })));
  box.close();
  const entry = store.lookup(name)!;
  return store.directoryOf(entry.name, entry.partition);
}

describe('chk_cyrus', () => {
  it('lists what is missing, and nothing for an intact store', async () => {
    const fred = await filled('user.fred');
    const joe = await filled('user.joe');
    const ann = await filled('user.ann', 'other');
    expect(run()).toMatchObject({ status: 0, out: [] });
    fs.rmSync(join(fred, '2.'));
    fs.rmSync(join(joe, 'cyrus.header'));
    fs.rmSync(ann, { recursive: true });
    const all = run();
    expect(all.status).toBe(0);
    expect(all.out.sort()).toEqual([join(fred, '2.'), join(joe, 'cyrus.header'), ann].sort());
    expect(all.err).toContain('chk_cyrus: checking 3 mailboxes');
    expect(all.err).toContain('3 missing');
    expect(run({ mailbox: 'user/fred' }).out).toEqual([join(fred, '2.')]);
    expect(run({ partition: 'other' }).out).toEqual([ann]);
    expect(run({ partition: 'default' }).out.sort()).toEqual([join(fred, '2.'), join(joe, 'cyrus.header')].sort());
  });

  it('a missing index hides no message check it could make; remote mirror entries are skipped', async () => {
    const fred = await filled('user.fred');
    for (const f of fs.readdirSync(fred).filter((f) => f.startsWith('cyrus.index'))) fs.rmSync(join(fred, f));
    store.putRemoteEntry({ name: 'user.far', server: 'backend2', partition: 'default', acl: 'far\tlrswipkxtecdan\t' });
    expect(run().out).toEqual([join(fred, 'cyrus.index')]);
  });

  it('refuses bad arguments', () => {
    expect(run({ partition: 'default', mailbox: 'user/fred' }).status).toBe(64);
    expect(run({ partition: 'nosuch' }).status).toBe(64);
    expect(run({ mailbox: 'user/nobody' }).status).toBe(1);
  });
});
