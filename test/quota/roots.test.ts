/**
 * Quota roots as the Concepts page defines them: nearest root charged, roots at any level (need
 * not be mailboxes), a new root takes over charges below it, removing a root gives them back to
 * the root above, and every way usage moves: expunge, delete (immediate and delayed), rename
 * across roots, a user's rename and delete, autocreation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Accounts } from '../../src/accounts/index.js';
import { silentLogger } from '../../src/common/log.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';
import { appendTo, NO_LIMITS } from './helpers.js';

let env: TestEnv | null = null;
afterEach(() => {
  env?.cleanup();
  env = null;
});

function open(extra = ''): MailStore {
  env = makeEnv(`fsync_disabled: yes\nexpunge_mode: immediate\n${extra}`);
  return env.open();
}

const usage = (store: MailStore, root: string) => store.quotas.get(root)?.usage;

describe('the Concepts page example', () => {
  it('charges user/bovik, user/bovik/list and user/bovik/saved exactly as written', async () => {
    const store = open();
    for (const name of ['user.bovik', 'user.bovik.list.imap', 'user.bovik.list.info-cyrus', 'user.bovik.saved', 'user.bovik.todo']) store.createMailbox(name);
    for (const root of ['user.bovik', 'user.bovik.list', 'user.bovik.saved']) store.setQuota(root, { ...NO_LIMITS, STORAGE: 1000 });
    // Distinct sizes per mailbox, so every sum tells which mailboxes it holds.
    await appendTo(store, 'user.bovik', 1000);
    await appendTo(store, 'user.bovik.todo', 2000);
    await appendTo(store, 'user.bovik.list.imap', 4000);
    await appendTo(store, 'user.bovik.list.info-cyrus', 8000);
    await appendTo(store, 'user.bovik.saved', 16000);
    expect(usage(store, 'user.bovik')).toEqual({ storage: 3000, messages: 2, mailboxes: 2 });
    expect(usage(store, 'user.bovik.list')).toEqual({ storage: 12000, messages: 2, mailboxes: 2 });
    expect(usage(store, 'user.bovik.saved')).toEqual({ storage: 16000, messages: 1, mailboxes: 1 });
    expect(store.quotas.rootOf('user.bovik.todo')).toBe('user.bovik');
    expect(store.quotas.rootOf('user.bovik.list.imap')).toBe('user.bovik.list');
    // user.bovik.list is a root without being a mailbox.
    expect(store.lookup('user.bovik.list')).toBeNull();
    expect(store.lookup('user.bovik.list.imap')!.quotaRoot).toBe('user.bovik.list');
    expect(store.lookup('user.bovik.todo')!.quotaRoot).toBe('user.bovik');
  });

  it('creating a root moves the charges below it; removing it gives them back', async () => {
    const store = open();
    for (const name of ['user.bovik', 'user.bovik.list.imap', 'user.bovik.saved']) store.createMailbox(name);
    store.setQuota('user.bovik', NO_LIMITS);
    await appendTo(store, 'user.bovik', 1000);
    await appendTo(store, 'user.bovik.list.imap', 4000);
    await appendTo(store, 'user.bovik.saved', 16000);
    expect(usage(store, 'user.bovik')).toEqual({ storage: 21000, messages: 3, mailboxes: 3 });
    store.setQuota('user.bovik.list', { ...NO_LIMITS, MESSAGE: 10 });
    expect(usage(store, 'user.bovik.list')).toEqual({ storage: 4000, messages: 1, mailboxes: 1 });
    expect(usage(store, 'user.bovik')).toEqual({ storage: 17000, messages: 2, mailboxes: 2 });
    expect(store.lookup('user.bovik.list.imap')!.quotaRoot).toBe('user.bovik.list');
    store.setQuota('user.bovik.list', null);
    expect(store.quotas.get('user.bovik.list')).toBeNull();
    expect(usage(store, 'user.bovik')).toEqual({ storage: 21000, messages: 3, mailboxes: 3 });
    expect(store.lookup('user.bovik.list.imap')!.quotaRoot).toBe('user.bovik');
  });
});

describe('usage follows every change', () => {
  it('expunge releases; delete releases; a rename across roots moves the usage', async () => {
    const store = open();
    for (const name of ['user.a', 'user.a.x', 'user.b']) store.createMailbox(name);
    store.setQuota('user.a', NO_LIMITS);
    store.setQuota('user.b', NO_LIMITS);
    const [uid] = await appendTo(store, 'user.a.x', 1500, 2500);
    const box = store.openMailbox('user.a.x');
    box.setFlags([uid!], 'add', ['\\Deleted']);
    box.expunge();
    box.close();
    expect(usage(store, 'user.a')).toEqual({ storage: 2500, messages: 1, mailboxes: 2 });
    store.renameMailbox('user.a.x', 'user.b.x');
    expect(usage(store, 'user.a')).toEqual({ storage: 0, messages: 0, mailboxes: 1 });
    expect(usage(store, 'user.b')).toEqual({ storage: 2500, messages: 1, mailboxes: 2 });
    expect(store.lookup('user.b.x')!.quotaRoot).toBe('user.b');
    store.deleteMailbox('user.b.x');
    expect(usage(store, 'user.b')).toEqual({ storage: 0, messages: 0, mailboxes: 1 });
  });

  it('delete_mode delayed: the deleted mailbox is no longer charged', async () => {
    const store = open('delete_mode: delayed');
    store.createMailbox('user.a');
    store.createMailbox('user.a.old');
    store.setQuota('user.a', NO_LIMITS);
    await appendTo(store, 'user.a.old', 3000);
    store.deleteMailbox('user.a.old');
    expect(store.list('DELETED.*')).toHaveLength(1);
    expect(usage(store, 'user.a')).toEqual({ storage: 0, messages: 0, mailboxes: 1 });
  });

  it("a user's rename takes the roots along; a user's delete removes them", async () => {
    const store = open();
    const accounts = new Accounts({ store, config: env!.config, logger: silentLogger() });
    store.createMailbox('user.alice');
    store.createMailbox('user.alice.lists');
    store.setQuota('user.alice', { ...NO_LIMITS, STORAGE: 100 });
    store.setQuota('user.alice.lists', { ...NO_LIMITS, MESSAGE: 5 });
    await appendTo(store, 'user.alice', 1000);
    await appendTo(store, 'user.alice.lists', 2000);
    accounts.renameUser('alice', 'carol');
    expect(store.quotas.get('user.alice')).toBeNull();
    expect(store.quotas.get('user.carol')).toMatchObject({ limits: { STORAGE: 100 }, usage: { storage: 1000, messages: 1, mailboxes: 1 } });
    expect(store.quotas.get('user.carol.lists')).toMatchObject({ limits: { MESSAGE: 5 }, usage: { storage: 2000, messages: 1, mailboxes: 1 } });
    expect(store.lookup('user.carol.lists')!.quotaRoot).toBe('user.carol.lists');
    accounts.deleteUser('carol');
    expect(store.quotas.roots()).toEqual([]);
  });

  it('autocreate_quota and autocreate_quota_messages make the new INBOX a root', () => {
    const store = open('autocreate_quota: 2048\nautocreate_quota_messages: 50\nautocreate_inbox_folders: Sent');
    const accounts = new Accounts({ store, config: env!.config, logger: silentLogger() });
    accounts.firstContact({ userid: 'neo', isAdmin: false, isAnonymous: false });
    expect(store.quotas.get('user.neo')).toEqual({ root: 'user.neo', limits: { STORAGE: 2048, MESSAGE: 50, MAILBOX: null }, usage: { storage: 0, messages: 0, mailboxes: 2 } });
  });

  it('autocreate_quota 0: a root without limits', () => {
    const store = open('autocreate_quota: 0');
    const accounts = new Accounts({ store, config: env!.config, logger: silentLogger() });
    accounts.firstContact({ userid: 'neo', isAdmin: false, isAnonymous: false });
    expect(store.quotas.get('user.neo')!.limits).toEqual(NO_LIMITS);
  });
});
