import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MailError } from '../../src/common/errors.js';
import { imapFailure } from '../../src/imap/error-map.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes');
  store = env.open();
});
afterEach(() => env.cleanup());

async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

describe('a message file missing on disk', () => {
  it('is a server-side inconsistency (Temp → NO [UNAVAILABLE]), not "no such mailbox"', async () => {
    store.createMailbox('user.fred');
    store.createMailbox('user.fred.Archive');
    const box = store.openMailbox('user.fred');
    const archive = store.openMailbox('user.fred.Archive');
    await box.append([{ content: message('a') }, { content: message('b') }]);
    fs.rmSync(box.messagePath(1));
    for (const attempt of [() => box.readMessage(1), () => box.readRange(1, 0, 10), () => box.copyTo([1, 2], archive)]) {
      const err = await caught(attempt);
      expect(err).toBeInstanceOf(MailError);
      expect((err as MailError).kind).toBe('Temp');
      expect((err as MailError).detail).toMatchObject({ code: 'ENOENT', inconsistency: true });
      expect(imapFailure(err)).toMatchObject({ status: 'NO', code: 'UNAVAILABLE', internal: false });
    }
    // Nothing was half-copied.
    expect(archive.status().messages).toBe(0);
    expect((await box.readMessage(2)).toString()).toContain('Subject: b');
    box.close();
    archive.close();
  });
});
