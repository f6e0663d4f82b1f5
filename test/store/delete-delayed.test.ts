import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from './helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes\ndelete_mode: delayed');
  store = env.open();
});
afterEach(() => {
  vi.useRealTimers();
  env.cleanup();
});

describe('delete_mode delayed', () => {
  it('delete, create, delete the same name within one second keeps both deleted copies', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2027-03-01T10:00:00.250Z'));
    const stamp = Math.floor(Date.now() / 1000);
    for (const subject of ['first', 'second', 'third']) {
      store.createMailbox('user.x');
      const box = store.openMailbox('user.x');
      await box.append([{ content: message(subject) }]);
      box.close();
      store.deleteMailbox('user.x');
    }
    const names = store.list('DELETED.*').map((e) => e.name);
    expect(names).toEqual([0, 1, 2].map((i) => `DELETED.user.x.${(stamp + i).toString(16).toUpperCase()}`));
    const subjects = [];
    for (const name of names) {
      const box = store.openMailbox(name);
      subjects.push(box.summary(1)!.envelope.subject);
      box.close();
    }
    expect(subjects).toEqual(['first', 'second', 'third']);
    expect(store.lookup('user.x')).toBeNull();
  });
});
