// The Murder outbox in mailboxes.db: on a backend, every change of a local mailbox's place in the
// list leaves a row written in the change's own transaction; remote (mirrored) entries and
// servers outside a Murder leave none.
import { afterEach, describe, expect, it } from 'vitest';
import { makeEnv, type TestEnv } from '../store/helpers.js';
import type { MailboxEntry, OutboxRow } from '../../src/store/index.js';

const BACKEND = 'servername: be1.example\nmupdate_server: mupdate.example';
let env: TestEnv;
afterEach(() => env?.cleanup());

const show = (rows: OutboxRow[]) => rows.map((r) => (r.action === 'activate' ? `ACTIVATE ${r.name} ${r.location} ${r.acl}` : `DELETE ${r.name}`));

describe('outbox rows on a Murder backend', () => {
  it('create, ACL change, rename (each name of the subtree) and delete, in order', () => {
    env = makeEnv(BACKEND);
    const store = env.open({ publisher: null });
    expect(store.murderBackend).toBe('be1.example');
    store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecda\t' });
    store.createMailbox('user.fred.a', { acl: 'fred\tlrswipkxtecda\t' });
    store.setAcl('user.fred.a', 'fred\tlrswipkxtecda\tjoe\tlr\t');
    store.setSpecialUse('user.fred.a', '\\Sent'); // not the master's business
    store.renameMailbox('user.fred', 'user.wilma');
    store.deleteMailbox('user.wilma.a');
    store.renameMailbox('user.wilma', 'user.wilma', { partition: 'other' });
    expect(show(store.murderOutbox.pending())).toEqual([
      'ACTIVATE user.fred be1.example!default fred\tlrswipkxtecda\t',
      'ACTIVATE user.fred.a be1.example!default fred\tlrswipkxtecda\t',
      'ACTIVATE user.fred.a be1.example!default fred\tlrswipkxtecda\tjoe\tlr\t',
      'DELETE user.fred',
      'ACTIVATE user.wilma be1.example!default fred\tlrswipkxtecda\t',
      'DELETE user.fred.a',
      'ACTIVATE user.wilma.a be1.example!default fred\tlrswipkxtecda\tjoe\tlr\t',
      'DELETE user.wilma.a',
      // delete_mode delayed: a rename to DELETED.*, announced as Cyrus does
      expect.stringMatching(/^ACTIVATE DELETED\.user\.wilma\.a\.[0-9A-F]+ be1\.example!default fred\tlrswipkxtecda\tjoe\tlr\t$/),
      'DELETE user.wilma',
      'ACTIVATE user.wilma be1.example!other fred\tlrswipkxtecda\t',
    ]);
  });

  it('the row commits or rolls back with the change', () => {
    env = makeEnv(BACKEND);
    const store = env.open({ publisher: null });
    const entry: MailboxEntry = {
      name: 'shared.x', uniqueId: 'u-1', partition: 'default', acl: 'anyone\tlr\t', type: [], server: null,
      createdModseq: 1, modifiedModseq: 1, uidValidity: 1, specialUse: null, quotaRoot: null,
    };
    expect(() => store.mailboxes.write('test', () => {
      store.mailboxes.put(entry);
      expect(store.murderOutbox.pending()).toHaveLength(1); // inside: there
      throw new Error('abort');
    })).toThrow('abort');
    expect(store.mailboxes.get('shared.x')).toBeNull();
    expect(store.murderOutbox.pending()).toEqual([]);
    store.mailboxes.write('test', () => store.mailboxes.put(entry));
    // Another connection (another process) sees entry and row together.
    const other = env.open({ publisher: null });
    expect(other.lookup('shared.x')).not.toBeNull();
    expect(show(other.murderOutbox.pending())).toEqual(['ACTIVATE shared.x be1.example!default anyone\tlr\t']);
  });

  it('a create under way (reserved) is not announced, nor its undoing', () => {
    env = makeEnv(BACKEND);
    const store = env.open({ publisher: null });
    store.createMailbox('user.fred');
    store.setQuota('user.fred', { STORAGE: null, MESSAGE: null, MAILBOX: 1 });
    expect(() => store.createMailbox('user.fred.x')).toThrow(/quota/i); // over the MAILBOX quota: the reservation is undone
    expect(store.mailboxes.get('user.fred.x')).toBeNull();
    expect(show(store.murderOutbox.pending())).toEqual(['ACTIVATE user.fred be1.example!default ']);
  });

  it('no rows for remote entries (the mirror of other servers)', () => {
    env = makeEnv(BACKEND);
    const store = env.open({ publisher: null });
    store.putRemoteEntry({ name: 'user.joe', server: 'be2.example', partition: 'default', acl: 'joe\tlrs\t' });
    store.putRemoteEntry({ name: 'user.joe', server: 'be2.example', partition: 'default', acl: 'joe\tlrswi\t' });
    store.removeRemoteEntry('user.joe');
    expect(store.murderOutbox.pending()).toEqual([]);
  });

  it('no rows outside a Murder, nor with mupdate_config replicated', () => {
    for (const conf of ['', `${BACKEND}\nmupdate_config: replicated`]) {
      env = makeEnv(conf);
      const store = env.open({ publisher: null });
      expect(store.murderBackend).toBeNull();
      store.createMailbox('user.fred');
      store.setAcl('user.fred', 'fred\tlrs\t');
      store.deleteMailbox('user.fred');
      expect(store.murderOutbox.pending()).toEqual([]);
      env.cleanup();
    }
  });

  it('servername defaults to the host name', async () => {
    const { hostname } = await import('node:os');
    env = makeEnv('mupdate_server: mupdate.example\nmupdate_config: unified');
    const store = env.open({ publisher: null });
    store.createMailbox('user.fred');
    expect(show(store.murderOutbox.pending())).toEqual([`ACTIVATE user.fred ${hostname()}!default `]);
  });
});
