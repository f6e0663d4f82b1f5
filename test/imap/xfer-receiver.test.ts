// The target's receiver of XFERs in one process: each staging belongs to the connection that
// opened it, which keeps the session in this process, and goes when that connection ends.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/index.js';
import { XferReceiver } from '../../src/imap/xfer/index.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes');
  store = env.open();
});
afterEach(() => env.cleanup());

describe('XferReceiver', () => {
  it('keeps a staging for its connection only, and discards it when that connection ends', async () => {
    const receiver = new XferReceiver(store, silentLogger());
    const staging = receiver.open('aaaa0001', 'session-1');
    staging.addMailbox('user.fred', 'u-1', null, 'default');
    await staging.write('user.fred', [{ file: '1.', offset: 0, data: Buffer.from('x') }]);
    expect(receiver.holds('session-1')).toBe(true);
    expect(receiver.holds('session-2')).toBe(false);
    expect(() => receiver.open('aaaa0001', 'session-2')).toThrow(/another connection/);
    expect(() => receiver.get('aaaa0001', 'session-2')).toThrow(/no XFER/);
    expect(store.mailboxes.get('user.fred')?.type).toEqual(['reserved']);

    receiver.sessionEnded('session-1');
    expect(receiver.holds('session-1')).toBe(false);
    expect(store.mailboxes.get('user.fred')).toBeNull();
    expect(() => receiver.get('aaaa0001', 'session-1')).toThrow(/no XFER/);
    store.createMailbox('user.fred');
  });

  it('a commit that fails discards the staging', async () => {
    const receiver = new XferReceiver(store, silentLogger());
    receiver.open('aaaa0002', 's').addMailbox('user.ann', 'u-2', null, 'default');
    await expect(receiver.commit('aaaa0002', 's')).rejects.toThrow(/no state/);
    expect(receiver.holds('s')).toBe(false);
    expect(store.mailboxes.get('user.ann')).toBeNull();
  });
});
