// An append's commit runs no WAL checkpoint (its fsyncs held the change back from the IDLE sessions
// of other processes); the append checkpoints on a later turn, once it has told them, when the WAL
// is due (setCheckpointPages). The backlog is read from the -shm header by a child process
// (test/common/wal-backlog.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setCheckpointPages, type Db } from '../../src/common/sqlite.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';
import { walBacklog } from '../common/wal-backlog.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv();
  store = env.open();
});
afterEach(() => env.cleanup());

const uncheckpointed = (file: string): number => walBacklog(file);

describe('the WAL checkpoint of an append', () => {
  it('runs after the append told its news, not in its commit', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const index = (box as unknown as { index: { db: Db; file: string } }).index;
    // SQLite's own checkpoint is off for the index; a checkpoint is due at the first frame.
    expect(index.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    setCheckpointPages(index.db, 1);
    index.db.pragma('wal_checkpoint(TRUNCATE)');
    let heard = -1;
    const off = store.onChange(() => (heard = uncheckpointed(index.file)));
    try {
      await box.append([{ content: message('a') }]);
      // Told with the frames still in the WAL: no checkpoint ran in the commit.
      expect(heard).toBeGreaterThan(0);
      expect(uncheckpointed(index.file)).toBeGreaterThan(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(uncheckpointed(index.file)).toBe(0);
      expect(box.status().messages).toBe(1);
    } finally {
      off();
      box.close();
    }
  });
});
