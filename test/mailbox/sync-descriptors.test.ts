/**
 * Issue 16: the group commits of an open index fsync its WAL and the mailbox directory through
 * descriptors kept open while the index is (files.ts holdSyncPath), not an open and a close per
 * commit; they are the files SQLite writes, and they are closed with the index.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { heldSyncDescriptors, pathSyncs } from '../../src/mailbox/files.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv();
  store = env.open();
});
afterEach(() => env.cleanup());

/** How many descriptors of this process are open on `path`. */
function openOn(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // closed meanwhile (the listing's own descriptor)
    }
  }
  return n;
}

describe('descriptors kept for group commit fsyncs', () => {
  it('fsyncs WAL and directory of every append through the same descriptors, closed with the index', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const wal = join(box.path, 'cyrus.index-wal');
    const before = heldSyncDescriptors();
    const started = pathSyncs.started;
    await box.append([{ content: message('a') }], { userid: 'fred' });
    expect(heldSyncDescriptors()).toBe(before + 2);
    // SQLite's own descriptor of the WAL and the one kept for fsync.
    expect(openOn(wal)).toBe(2);
    expect(openOn(box.path)).toBe(1);
    for (let i = 0; i < 3; i++) await box.append([{ content: message(`m${i}`) }], { userid: 'fred' });
    await box.setFlagsDurably([1], 'add', ['\\Flagged'], { userid: 'fred' });
    expect(pathSyncs.started - started).toBeGreaterThanOrEqual(9);
    // No new descriptor per commit.
    expect(heldSyncDescriptors()).toBe(before + 2);
    expect(openOn(wal)).toBe(2);
    expect(openOn(box.path)).toBe(1);
    box.close();
    store.close();
    expect(heldSyncDescriptors()).toBe(before);
    expect(openOn(box.path)).toBe(0);
    expect(openOn(wal)).toBe(0);
  });

  it('a mailbox opened again after its index closed syncs through a new descriptor of the new WAL', async () => {
    store.createMailbox('user.fred');
    let box = store.openMailbox('user.fred');
    await box.append([{ content: message('a') }], { userid: 'fred' });
    const wal = join(box.path, 'cyrus.index-wal');
    box.close();
    store.close();
    // The last connection removed its WAL on close.
    expect(openOn(wal)).toBe(0);
    store = env.open();
    box = store.openMailbox('user.fred');
    await box.append([{ content: message('b') }], { userid: 'fred' });
    expect(openOn(wal)).toBe(2);
    expect(box.snapshot().count).toBe(2);
    box.close();
  });
});
