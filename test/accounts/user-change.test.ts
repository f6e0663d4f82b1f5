// A user's rename and delete as whole operations, against a real store (as Cyrus's user rename/delete).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/index.js';
import { Accounts, userInbox, userOfInbox, type AccountHooks } from '../../src/accounts/index.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
let accounts: Accounts;
let calls: string[];

function open(conf: string): void {
  env = makeEnv(`fsync_disabled: yes\n${conf}`);
  store = env.open();
  calls = [];
  const hooks: AccountHooks = {
    quotaRootMoved: (from, to) => void calls.push(`quota ${from} -> ${to}`),
    sieveScriptsMoved: (from, to) => void calls.push(`sieve ${from} -> ${to}`),
  };
  accounts = new Accounts({ store, config: env.config, logger: silentLogger(), hooks });
}

/** alice with two folders and seen state; bob and a shared folder whose ACLs name alice. */
async function populate(): Promise<void> {
  store.createMailbox('user.alice', { acl: 'alice\tlrswipkxtecdan\t' });
  store.createMailbox('user.alice.Sent', { acl: 'alice\tlrswipkxtecdan\tbob\tlr\t', quotaRoot: 'user.alice' });
  store.createMailbox('user.alice.Sent.2024', { acl: 'alice\tlrswipkxtecdan\t' });
  store.createMailbox('user.bob', { acl: 'bob\tlrswipkxtecdan\talice\tlrs\t' });
  store.createMailbox('shared.news', { acl: 'anyone\tlr\t-alice\tr\tbob\tlrsp\t' });
  store.createMailbox('user.alicia', { acl: 'alicia\tlrswipkxtecdan\t' });
  for (const name of ['user.alice', 'user.bob']) {
    const box = store.openMailbox(name);
    await box.append([{ content: message('hi'), flags: ['\\Seen'] }], { userid: 'alice' });
    box.close();
  }
  for (const name of ['user.alice', 'user.alice.Sent', 'shared.news', 'user.bob']) store.subscribe('alice', name);
  store.subscribe('bob', 'user.alice.Sent');
}

const acls = () => Object.fromEntries(store.list('*').map((e) => [e.name, e.acl]));
function seenBy(userid: string, name: string): string[] {
  const box = store.openMailbox(name);
  try {
    return box.records([1], userid)[0]?.flags ?? [];
  } finally {
    box.close();
  }
}

beforeEach(() => open('delete_mode: immediate'));
afterEach(() => env.cleanup());

describe('user names', () => {
  it('maps a userid to its INBOX and back', () => {
    expect([userInbox('fred'), userInbox('a.b@example.com')]).toEqual(['user.fred', 'example.com!user.a^b']);
    expect([userOfInbox('user.fred'), userOfInbox('example.com!user.a^b'), userOfInbox('user.fred.Sent'), userOfInbox('shared')]).toEqual(['fred', 'a.b@example.com', null, null]);
    expect(() => userInbox('')).toThrow(expect.objectContaining({ kind: 'BadName' }));
    expect(() => userInbox('x!y')).toThrow(expect.objectContaining({ kind: 'BadName' }));
  });
});

describe('renameUser', () => {
  it('moves every mailbox, renames the ACL entries everywhere, seen state, subscriptions and quota roots', async () => {
    await populate();
    const report = accounts.renameUser('alice', 'carol');
    expect(report.mailboxes).toEqual(['user.alice', 'user.alice.Sent', 'user.alice.Sent.2024']);
    expect(acls()).toEqual({
      'shared.news': 'anyone\tlr\t-carol\tr\tbob\tlrsp\t',
      'user.alicia': 'alicia\tlrswipkxtecdan\t',
      'user.bob': 'bob\tlrswipkxtecdan\tcarol\tlrs\t',
      'user.carol': 'carol\tlrswipkxtecdan\t',
      'user.carol.Sent': 'carol\tlrswipkxtecdan\tbob\tlr\t',
      'user.carol.Sent.2024': 'carol\tlrswipkxtecdan\t',
    });
    expect(report.aclsChanged).toEqual(['shared.news', 'user.bob', 'user.carol', 'user.carol.Sent', 'user.carol.Sent.2024']);
    expect(store.lookup('user.carol.Sent')?.quotaRoot).toBe('user.carol');
    expect(seenBy('carol', 'user.carol')).toContain('\\Seen');
    expect(seenBy('carol', 'user.bob')).toContain('\\Seen');
    expect(seenBy('alice', 'user.bob')).not.toContain('\\Seen');
    expect(store.subscriptions('carol')).toEqual(['shared.news', 'user.bob', 'user.carol', 'user.carol.Sent']);
    expect(store.subscriptions('alice')).toEqual([]);
    expect(store.subscriptions('bob')).toEqual(['user.alice.Sent']); // others' subscriptions are theirs
    expect(calls).toEqual(['quota user.alice -> user.carol', 'sieve alice -> carol']);
  });

  it('refuses a missing user, a taken name and the same user, changing nothing', async () => {
    await populate();
    const before = acls();
    expect(() => accounts.renameUser('nobody', 'carol')).toThrow(expect.objectContaining({ kind: 'NotFound' }));
    expect(() => accounts.renameUser('alice', 'bob')).toThrow(expect.objectContaining({ kind: 'Exists' }));
    store.createMailbox('user.dave.Old');
    expect(() => accounts.renameUser('alice', 'dave')).toThrow(expect.objectContaining({ kind: 'Exists' }));
    expect(() => accounts.renameUser('alice', 'alice')).toThrow(expect.objectContaining({ kind: 'Cannot' }));
    expect(acls()).toMatchObject(before);
    expect(calls).toEqual([]);
  });

  it('moves the user to another partition with a partition', async () => {
    await populate();
    accounts.renameUser('alice', 'carol', { partition: 'other' });
    expect(store.subtree('user.carol').map((e) => e.partition)).toEqual(['other', 'other', 'other']);
  });
});

describe('deleteUser', () => {
  it('removes every mailbox, the ACL entries naming the user, seen state and subscriptions', async () => {
    await populate();
    const report = accounts.deleteUser('alice');
    expect(report.mailboxes).toEqual(['user.alice', 'user.alice.Sent', 'user.alice.Sent.2024']);
    expect(acls()).toEqual({
      'shared.news': 'anyone\tlr\tbob\tlrsp\t',
      'user.alicia': 'alicia\tlrswipkxtecdan\t',
      'user.bob': 'bob\tlrswipkxtecdan\t',
    });
    expect(store.subscriptions('alice')).toEqual([]);
    expect(seenBy('alice', 'user.bob')).not.toContain('\\Seen');
    expect(calls).toEqual(['quota user.alice -> null', 'sieve alice -> null']);
    // A new alice starts with nothing of the old one.
    store.createMailbox('user.alice');
    expect(store.subscriptions('alice')).toEqual([]);
  });

  it('keeps the ACL of the mailboxes delete_mode delayed keeps, for an undelete', async () => {
    env.cleanup();
    open('delete_mode: delayed');
    await populate();
    accounts.deleteUser('alice');
    const kept = store.list('DELETED.*');
    expect(kept.map((e) => e.acl).sort()).toEqual(['alice\tlrswipkxtecdan\t', 'alice\tlrswipkxtecdan\t', 'alice\tlrswipkxtecdan\tbob\tlr\t']);
    expect(store.lookup('user.bob')?.acl).toBe('bob\tlrswipkxtecdan\t');
  });

  it('reports a failing hook and finishes the rest', async () => {
    await populate();
    const failing = new Accounts({ store, config: env.config, logger: silentLogger(), hooks: { quotaRootMoved: () => { throw new Error('quotas.db down'); } } });
    expect(failing.deleteUser('alice').hookFailures).toEqual(['quotaRootMoved']);
    expect(store.lookup('user.alice')).toBeNull();
    expect(() => failing.deleteUser('alice')).toThrow(expect.objectContaining({ kind: 'NotFound' }));
  });
});
