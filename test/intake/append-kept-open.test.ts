// APPEND / MULTIAPPEND through the intake keep the mailbox open between commands (as deliveries
// do): a fill of many commands does not close and reopen the index each time. The handle kept
// must never outlive its mailbox: a mailbox deleted and made again under the same name, or
// renamed away, gets the next append, never the old handle.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/common/index.js';
import { Intake } from '../../src/intake/index.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
let intake: Intake;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes');
  store = env.open();
  store.createMailbox('user.fred', { partition: 'default' });
  intake = new Intake({ store, config: env.config, logger: silentLogger() });
});
afterEach(() => {
  intake.close();
  env.cleanup();
});

const message = (subject: string) => ({ bytes: Buffer.from(`Subject: ${subject}\r\n\r\nbody\r\n`), flags: ['\\Seen'] });

function uidsOf(name: string): number[] {
  const box = store.openMailbox(name);
  try {
    return [...box.snapshot().uids];
  } finally {
    box.close();
  }
}

describe('intake append keeps the mailbox open', () => {
  it('opens the index once for many commands', async () => {
    const opened = vi.spyOn(store, 'openMailbox');
    for (let i = 0; i < 5; i++) await intake.append('user.fred', [message(`a${i}`), message(`b${i}`)], { userid: 'fred' });
    // The store hands out its shared handle; only the first command had to open the index file.
    const handles = new Set(opened.mock.results.map((r) => r.value));
    expect(handles.size).toBe(1);
    expect(uidsOf('user.fred')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('appends into the new mailbox after a delete and a create under the same name', async () => {
    const first = await intake.append('user.fred', [message('old')], { userid: 'fred' });
    store.deleteMailbox('user.fred');
    store.createMailbox('user.fred', { partition: 'default' });
    const second = await intake.append('user.fred', [message('new1'), message('new2')], { userid: 'fred' });
    expect(second.uids).toEqual([1, 2]);
    expect(second.uidValidity).not.toBe(0);
    expect(uidsOf('user.fred')).toEqual([1, 2]);
    expect(first.uids).toEqual([1]);
  });

  it('answers NotFound once the mailbox was renamed away, and appends under its new name', async () => {
    await intake.append('user.fred', [message('one')], { userid: 'fred' });
    store.renameMailbox('user.fred', 'user.fredx');
    await expect(intake.append('user.fred', [message('two')], { userid: 'fred' })).rejects.toMatchObject({ kind: 'NotFound' });
    expect((await intake.append('user.fredx', [message('three')], { userid: 'fred' })).uids).toEqual([2]);
  });
});
