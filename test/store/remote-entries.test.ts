// The Murder mirror in mailboxes.db: entries of mailboxes that live on other servers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMailError } from '../../src/common/errors.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, type TestEnv } from './helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes');
  store = env.open();
});
afterEach(() => env.cleanup());

describe('remote entries', () => {
  it('are written, updated, listed and removed without touching partitions', () => {
    const first = store.putRemoteEntry({ name: 'user.fred', server: 'b1', partition: 'default', acl: 'fred\tlrswipkxtecda\t' });
    expect(first.type).toEqual(['remote']);
    expect(store.lookup('user.fred')).toMatchObject({ server: 'b1', partition: 'default' });
    const moved = store.putRemoteEntry({ name: 'user.fred', server: 'b2', partition: 'p2', acl: 'fred\tlrs\t' });
    expect(moved.uniqueId).toBe(first.uniqueId);
    expect(moved.modifiedModseq).toBeGreaterThan(first.modifiedModseq);
    store.putRemoteEntry({ name: 'user.ann', server: 'b1', partition: 'default', acl: '', reserved: true });
    expect(store.remoteEntries().map((e) => [e.name, e.type.join(' ')])).toEqual([['user.ann', 'reserved remote'], ['user.fred', 'remote']]);
    // A reserved remote entry is never taken for a crashed local create.
    expect(store.isStaleReservation(store.mailboxes.get('user.ann')!, Date.now() + 3600_000)).toBe(false);
    expect(store.removeRemoteEntry('user.fred')).toBe(true);
    expect(store.removeRemoteEntry('user.fred')).toBe(false);
    expect(store.lookup('user.fred')).toBeNull();
  });

  it('never replace or remove a local mailbox', () => {
    store.createMailbox('user.bob');
    let kind: string | null = null;
    try {
      store.putRemoteEntry({ name: 'user.bob', server: 'b1', partition: 'default', acl: '' });
    } catch (err) {
      kind = isMailError(err) ? err.kind : String(err);
    }
    expect(kind).toBe('Exists');
    expect(store.removeRemoteEntry('user.bob')).toBe(false);
    expect(store.lookup('user.bob')?.type).toEqual([]);
  });

  it('apply many changes in one transaction, skipping only what the store refuses', () => {
    store.createMailbox('user.local');
    store.putRemoteEntry({ name: 'user.gone', server: 'b1', partition: 'default', acl: '' });
    const records = Array.from({ length: 2000 }, (_, i) => ({ put: { name: `user.u${i}`, server: 'b2', partition: 'p', acl: `u${i}\tlrs\t` } }));
    const refused = store.applyRemoteEntries([
      { remove: 'user.gone' },
      { remove: 'user.local' },
      ...records,
      { put: { name: 'user.local', server: 'b2', partition: 'p', acl: '' } },
      { put: { name: 'user..bad', server: 'b2', partition: 'p', acl: '' } },
    ]);
    expect(refused.map((r) => [r.name, r.error.kind])).toEqual([['user..bad', 'BadName'], ['user.local', 'Exists']]);
    expect(store.lookup('user.gone')).toBeNull();
    expect(store.lookup('user.local')?.type).toEqual([]);
    expect(store.remoteEntries()).toHaveLength(2000);
    expect(store.lookup('user.u1999')).toMatchObject({ server: 'b2', acl: 'u1999\tlrs\t' });
  });
});
