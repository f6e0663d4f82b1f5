// Mailbox.fillSearchText (squatter's work): batch by batch, with the write lock free in between, so
// another connection expunges meanwhile (taking the lock at once); a record expunged between the
// read of its file and the write of its batch leaves no text in the index.
import { appendFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv | null = null;
afterEach(() => {
  env?.cleanup();
  env = null;
});

describe('fillSearchText', () => {
  it('writes in batches that leave the mailbox to other writers in between', async () => {
    env = makeEnv('fsync_disabled: yes\nexpunge_mode: immediate');
    const off = env.open();
    off.createMailbox('user.fred');
    const other = off.openMailbox('user.fred');
    await other.append([1, 2, 3, 4, 5, 6].map((i) => ({ content: message(`m${i}`, `walrus ${i}\n`) })));
    appendFileSync(env.configFile, '\nsearch_engine: squat\n');
    const on = MailStore.open({ config: ImapdConfig.load(env.configFile) });
    const box = on.openMailbox('user.fred');
    const progress: Array<[number, number]> = [];
    let interleaved = false;
    // Message 4 is expunged by the other connection just after the fill has read its file.
    const read = box.readMessage.bind(box);
    vi.spyOn(box, 'readMessage').mockImplementation(async (uid: number) => {
      const content = await read(uid);
      if (uid === 4) {
        other.setFlags([4], 'add', ['\\Deleted']);
        expect(other.expunge()).toEqual([4]);
      }
      return content;
    });
    const report = await box.fillSearchText({
      batchMessages: 2,
      onProgress: (done, total) => {
        progress.push([done, total]);
        if (interleaved) return;
        interleaved = true;
        // Between two batches another connection takes the write lock at once.
        other.setFlags([3], 'add', ['\\Deleted']);
        expect(other.expunge()).toEqual([3]);
      },
    });
    expect(report).toEqual({ indexed: 4, unreadable: [] });
    expect(progress[0]).toEqual([2, 6]);
    const found = box.fields.textSearch('walrus', false)!;
    expect([...found.matching]).toEqual([1, 2, 5, 6]);
    expect([...found.unindexed]).toEqual([]);
    expect(box.searchTextState()).toMatchObject({ unindexed: 0, lastUid: 6, lastFill: { coveredUid: 6 } });
    box.close();
    other.close();
    on.close();
  });
});
