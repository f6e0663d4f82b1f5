import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { rebuildMailboxList } from '../../src/store/index.js';
import { readHeader, writeHeader } from '../../src/mailbox/header.js';
import { MailStore } from '../../src/store/index.js';
import { runReconstruct } from '../../src/tools/reconstruct.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let hashedConfigFile: string;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes');
  hashedConfigFile = join(env.dir, 'imapd-hashed.conf');
  fs.writeFileSync(hashedConfigFile, fs.readFileSync(env.configFile, 'utf8') + '\nhashimapspool: yes\n');
});
afterEach(() => env.cleanup());

function messageFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (/^\d+\.$/.test(e.name)) out.push(join(dir, e.name).slice(root.length));
    }
  };
  walk(root);
  return out.sort();
}

async function createUnhashed(): Promise<void> {
  const store = env.open();
  for (const name of ['user.fred', 'user.fred.Sent', 'shared']) {
    store.createMailbox(name);
    const box = store.openMailbox(name);
    await box.append([{ content: message(`${name} 1`) }, { content: message(`${name} 2`) }]);
    box.close();
  }
  store.close();
}

function run(configFile: string, check = false): { status: number; out: string } {
  let out = '';
  const status = runReconstruct([], { config: configFile, mboxlist: true, check }, (t) => (out += t), (t) => (out += t));
  return { status, out };
}

async function expectReadable(store: MailStore, name: string): Promise<void> {
  const box = store.openMailbox(name);
  try {
    expect(box.status().messages).toBe(2);
    expect((await box.readMessage(1)).toString()).toContain(`Subject: ${name} 1`);
  } finally {
    box.close();
  }
}

describe('reconstruct -m after hashimapspool was switched on', () => {
  it('moves each mailbox to its hashed directory instead of deleting it (mailboxes.db intact)', async () => {
    await createUnhashed();
    const spool = join(env.dir, 'spool');
    expect(messageFiles(spool)).toHaveLength(6);

    const check = run(hashedConfigFile, true);
    expect(check.status).toBe(1);
    expect(check.out).not.toContain('leftover');
    expect(messageFiles(spool)).toHaveLength(6);

    const fixed = run(hashedConfigFile);
    expect(fixed.status).toBe(0);
    expect(fixed.out).not.toContain('leftover');
    expect(fixed.out).toContain(`user.fred: ${join(spool, 'user', 'fred')} moved to ${join(spool, 'f', 'user', 'fred')}`);
    expect(messageFiles(spool)).toEqual(['/f/user/fred/1.', '/f/user/fred/2.', '/f/user/fred/Sent/1.', '/f/user/fred/Sent/2.', '/s/shared/1.', '/s/shared/2.']);
    const store = MailStore.open({ config: ImapdConfig.load(hashedConfigFile) });
    try {
      for (const name of ['user.fred', 'user.fred.Sent', 'shared']) await expectReadable(store, name);
    } finally {
      store.close();
    }
    expect(run(hashedConfigFile, true)).toEqual({ status: 0, out: '' });
  });

  it('adopts them when mailboxes.db is lost too', async () => {
    await createUnhashed();
    for (const f of fs.readdirSync(join(env.dir, 'conf'))) if (f.startsWith('mailboxes.db')) fs.rmSync(join(env.dir, 'conf', f));
    const fixed = run(hashedConfigFile);
    expect(fixed.out).not.toContain('leftover');
    expect(fixed.out).toContain('user.fred.Sent: added to mailboxes.db');
    const store = MailStore.open({ config: ImapdConfig.load(hashedConfigFile) });
    try {
      expect(store.list('*').map((e) => e.name)).toEqual(['shared', 'user.fred', 'user.fred.Sent']);
      for (const name of ['user.fred', 'user.fred.Sent', 'shared']) await expectReadable(store, name);
    } finally {
      store.close();
    }
  });

  it('removes a copy only when its mailbox is alive elsewhere', async () => {
    await createUnhashed();
    const store = env.open();
    const entry = store.lookup('shared')!;
    const dir = store.directoryOf('shared', 'default');
    // A leftover of an interrupted move: the same mailbox, still whole, under another name's directory.
    const stale = join(env.dir, 'spool', 'stale');
    fs.cpSync(dir, stale, { recursive: true });
    expect(readHeader(stale).uniqueId).toBe(entry.uniqueId);
    const report = rebuildMailboxList(store, env.config.partitions());
    expect(report.leftovers).toEqual([stale]);
    expect(fs.existsSync(join(stale, '1.'))).toBe(false);
    expect(fs.existsSync(join(dir, '1.'))).toBe(true);
  });

  it('leaves alone a header whose name the store refuses', async () => {
    await createUnhashed();
    const store = env.open();
    const dir = store.directoryOf('shared', 'default');
    writeHeader(dir, { ...readHeader(dir), name: 'user..bad' }, false);
    for (const f of fs.readdirSync(join(env.dir, 'conf'))) if (f.startsWith('mailboxes.db')) fs.rmSync(join(env.dir, 'conf', f));
    store.close();
    const result = run(env.configFile);
    expect(result.out).toContain(`${dir}: unusable header`);
    expect(fs.existsSync(join(dir, '1.'))).toBe(true);
  });
});
