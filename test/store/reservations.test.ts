import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMailError } from '../../src/common/errors.js';
import type { MailboxEntry, MailStore } from '../../src/store/index.js';
import { runReconstruct } from '../../src/tools/reconstruct.js';
import { makeEnv, type TestEnv } from './helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes');
  store = env.open();
});
afterEach(() => env.cleanup());

/** What a create that died right after committing its reservation leaves in mailboxes.db. */
function reserve(name: string, secondsAgo: number, uniqueId = `crashed-${name}`): MailboxEntry {
  const entry: MailboxEntry = {
    name, uniqueId, partition: 'default', acl: '', type: ['reserved'], server: null, createdModseq: 1, modifiedModseq: 1,
    uidValidity: Math.floor(Date.now() / 1000) - secondsAgo, specialUse: null, quotaRoot: null,
  };
  store.mailboxes.write('test', () => store.mailboxes.insert(entry));
  return entry;
}

function kindOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return isMailError(err) ? err.kind : String(err);
  }
}

describe('reserved entries of interrupted creates', () => {
  it('create takes over a stale reservation; delete then works', () => {
    reserve('user.fred', 60);
    expect(store.lookup('user.fred')).toBeNull();
    const created = store.createMailbox('user.fred');
    expect(created.uniqueId).not.toBe('crashed-user.fred');
    expect(store.lookup('user.fred')!.type).toEqual([]);
    store.deleteMailbox('user.fred');
    expect(store.mailboxes.get('user.fred')).toBeNull();
  });

  it('a fresh reservation (a create under way) still says Exists', () => {
    reserve('user.fred', 0);
    expect(kindOf(() => store.createMailbox('user.fred'))).toBe('Exists');
  });

  it('a reservation whose creator process is dead is stale at once', () => {
    const entry = reserve('user.fred', 0);
    const lockDir = join(env.dir, 'conf', 'lock');
    fs.mkdirSync(lockDir, { recursive: true });
    fs.writeFileSync(join(lockDir, `create-${entry.uniqueId}`), '999999999\n');
    expect(store.isStaleReservation(store.mailboxes.get('user.fred')!)).toBe(true);
    expect(store.createMailbox('user.fred').name).toBe('user.fred');
    fs.writeFileSync(join(lockDir, `create-${entry.uniqueId}`), `${process.pid}\n`);
    expect(store.isStaleReservation(entry)).toBe(false);
  });

  it('a create that wrote its files but crashed before finishing takes over its own directory', () => {
    const done = store.createMailbox('user.joe');
    store.mailboxes.write('test', () => store.mailboxes.put({ ...done, type: ['reserved'], uidValidity: done.uidValidity - 60 }));
    expect(store.createMailbox('user.joe').uniqueId).not.toBe(done.uniqueId);
  });

  it('reconstruct -m clears stale reservations and completes whole ones', () => {
    reserve('user.fred', 60);
    reserve('user.young', 0);
    const whole = store.createMailbox('user.joe');
    store.mailboxes.write('test', () => store.mailboxes.put({ ...whole, type: ['reserved'], uidValidity: whole.uidValidity - 60 }));
    let out = '';
    const check = runReconstruct([], { config: env.configFile, mboxlist: true, check: true }, (t) => (out += t), (t) => (out += t));
    expect(check).toBe(1);
    expect(store.mailboxes.get('user.fred')).not.toBeNull();
    out = '';
    expect(runReconstruct([], { config: env.configFile, mboxlist: true }, (t) => (out += t), (t) => (out += t))).toBe(0);
    expect(out).toContain('user.fred: reserved entry of an interrupted create cleared');
    expect(out).toContain('user.joe: reserved entry of an interrupted create completed');
    expect(store.mailboxes.get('user.fred')).toBeNull();
    expect(store.lookup('user.joe')!.uniqueId).toBe(whole.uniqueId);
    expect(store.mailboxes.get('user.young')!.type).toEqual(['reserved']);
  });
});
