import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { isMailError } from '../../src/common/errors.js';
import { FLAG_DELETED } from '../../src/mailbox/index.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

const envs: TestEnv[] = [];
afterEach(() => {
  for (const env of envs.splice(0)) env.cleanup();
});

function openStore(mode: 'immediate' | 'delayed'): MailStore {
  const env = makeEnv(`expunge_mode: ${mode}`);
  envs.push(env);
  return env.open();
}

/** Messages of `name` flagged \Deleted, read at every committed change (as any other session would). */
function watchDeleted(store: MailStore, name: string): { flagged: number[]; stop(): void } {
  const flagged: number[] = [];
  const stop = store.onChange((changed) => {
    if (changed !== name) return;
    const box = store.openMailbox(name);
    try {
      const snap = box.snapshot();
      for (let i = 0; i < snap.count; i++) if ((snap.systemFlags[i]! & FLAG_DELETED) !== 0) flagged.push(snap.uids[i]!);
    } finally {
      box.close();
    }
  });
  return { flagged, stop };
}

describe('moveTo and forced expunge', () => {
  it('moves without ever flagging the source \\Deleted, one modseq, files unlinked under immediate', async () => {
    const store = openStore('immediate');
    store.createMailbox('user.fred');
    store.createMailbox('user.fred.Archive');
    const src = store.openMailbox('user.fred');
    const dst = store.openMailbox('user.fred.Archive');
    await src.append([1, 2, 3, 4].map((i) => ({ content: message(`m${i}`), flags: i === 2 ? ['\\Flagged'] : [] })));
    src.setFlags([4], 'add', ['\\Deleted']);
    const mark = src.status().highestModseq;
    const watch = watchDeleted(store, 'user.fred');
    const moved = await src.moveTo([2, 3, 99], dst, { userid: 'fred' });
    watch.stop();
    expect(moved).toMatchObject({ sourceUids: [2, 3], targetUids: [1, 2], expunged: [2, 3] });
    // Only message 4, \Deleted before the move and not moved, was ever seen flagged.
    expect(new Set(watch.flagged)).toEqual(new Set([4]));
    expect(src.status().highestModseq).toBe(mark + 1);
    const changes = src.changesSince(mark);
    expect(changes.expunged).toEqual([2, 3]);
    expect(changes.records).toEqual([]);
    expect(Array.from(src.snapshot().uids)).toEqual([1, 4]);
    expect(fs.existsSync(src.messagePath(2))).toBe(false);
    expect(dst.records([1])[0]!.flags).toEqual(['\\Flagged']);
    expect((await dst.readMessage(1)).toString()).toContain('Subject: m2');
    src.close();
    dst.close();
  });

  it('keeps moved files until expireExpunged under delayed, like expunge', async () => {
    const store = openStore('delayed');
    store.createMailbox('user.fred');
    store.createMailbox('user.fred.Archive');
    const src = store.openMailbox('user.fred');
    const dst = store.openMailbox('user.fred.Archive');
    await src.append([{ content: message('a') }, { content: message('b') }]);
    expect((await src.moveTo([1], dst)).expunged).toEqual([1]);
    expect(fs.existsSync(src.messagePath(1))).toBe(true);
    expect(src.expireExpunged(0)).toEqual([1]);
    expect(fs.existsSync(src.messagePath(1))).toBe(false);
    expect((await dst.readMessage(1)).toString()).toContain('Subject: a');
    src.close();
    dst.close();
  });

  it('force expunges only the given existing UIDs and needs them', async () => {
    const store = openStore('immediate');
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([1, 2, 3].map((i) => ({ content: message(`m${i}`) })));
    box.setFlags([1], 'add', ['\\Deleted']);
    let refused: unknown = null;
    try {
      box.expunge({ force: true });
    } catch (err) {
      refused = err;
    }
    expect(isMailError(refused, 'Invalid')).toBe(true);
    expect(box.expunge({ uids: [3, 2, 3, 7], force: true })).toEqual([2, 3]);
    expect(box.expunge({ uids: [2], force: true })).toEqual([]);
    expect(Array.from(box.snapshot().uids)).toEqual([1]);
    expect(box.expunge()).toEqual([1]);
    box.close();
  });
});
