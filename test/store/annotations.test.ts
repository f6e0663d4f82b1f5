/**
 * annotations.db behind the store: one SETMETADATA's changes commit all or none (TOOMANY rolls
 * back), annotations follow a mailbox's uniqueid through a rename and a delayed delete and go with
 * its removal for good (cyr_expire's deleteExpired), private ones follow a user's rename and delete.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, type TestEnv } from './helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes\ndelete_mode: delayed');
  store = env.open();
});
afterEach(() => env.cleanup());

const text = (s: string) => Buffer.from(s);
const values = (mailbox: string, userid: string) => store.annotations.visible(mailbox, userid).map((r) => [r.entry, r.userid, r.value.toString()]);

describe('annotations.db', () => {
  it('applies all changes of one command or none', () => {
    store.annotations.apply('', [{ entry: '/comment', userid: '', value: text('a') }], { maxEntries: 2 });
    expect(() =>
      store.annotations.apply('', [
        { entry: '/comment', userid: '', value: text('changed') },
        { entry: '/motd', userid: '', value: text('b') },
        { entry: '/admin', userid: '', value: text('c') },
      ], { maxEntries: 2 }),
    ).toThrow(expect.objectContaining({ kind: 'Limit', detail: { tooMany: true } }));
    expect(values('', 'fred')).toEqual([['/comment', '', 'a']]);
    // Private entries count per user, apart from the shared ones.
    store.annotations.apply('', [{ entry: '/comment', userid: 'fred', value: text('p') }, { entry: '/admin', userid: 'fred', value: text('q') }], { maxEntries: 2 });
    store.annotations.apply('', [{ entry: '/comment', userid: 'fred', value: null }], { maxEntries: 2 });
    expect(values('', 'fred')).toEqual([['/admin', 'fred', 'q'], ['/comment', '', 'a']]);
  });

  it('keeps a mailbox\'s entries through a rename and a delayed delete, and drops them when it is expired', () => {
    const { uniqueId } = store.createMailbox('user.fred');
    store.annotations.apply(uniqueId, [{ entry: '/comment', userid: '', value: text('kept') }], { maxEntries: 10 });
    store.renameMailbox('user.fred', 'user.frida');
    expect(values(store.lookup('user.frida')!.uniqueId, 'x')).toEqual([['/comment', '', 'kept']]);
    store.deleteMailbox('user.frida');
    expect(values(uniqueId, 'x')).toEqual([['/comment', '', 'kept']]);
    expect(store.deleteExpired(0)).toHaveLength(1);
    expect(values(uniqueId, 'x')).toEqual([]);
  });

  it("moves a user's private entries with its rename and drops them with its delete", () => {
    store.annotations.apply('', [{ entry: '/comment', userid: 'fred', value: text('mine') }, { entry: '/comment', userid: '', value: text('all') }], { maxEntries: 10 });
    store.moveUserState('fred', 'frida', (name) => name);
    expect(values('', 'frida')).toEqual([['/comment', '', 'all'], ['/comment', 'frida', 'mine']]);
    store.forgetUserState('frida');
    expect(values('', 'frida')).toEqual([['/comment', '', 'all']]);
  });
});
