/**
 * Mailbox.clearSeen (cyr_userseen -d, arbitron -p): one user's \Seen goes as a STORE 1:* -FLAGS
 * (\Seen) by that user would take it (the owner's bits, another user's seen.db state, a sharedseen
 * mailbox's bits), with one new modseq on the records that change and nothing else touched, and
 * the user's seen.db row goes; `onlyIf` false changes nothing.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FLAG_SEEN } from '../../src/mailbox/index.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes');
  store = env.open();
});
afterEach(() => env.cleanup());

/** `name` with three messages; each [userid, uids] marks those \Seen for that user. */
async function mailbox(name: string, seen: Array<[string, number[]]>, opts: { sharedSeen?: boolean } = {}) {
  store.createMailbox(name, opts);
  const box = store.openMailbox(name);
  await box.append([{ content: message('one') }, { content: message('two') }, { content: message('three') }]);
  for (const [userid, uids] of seen) box.setFlags(uids, 'add', ['\\Seen'], { userid });
  return box;
}

function seenBy(box: Awaited<ReturnType<typeof mailbox>>, userid?: string): number[] {
  const snap = box.snapshot(userid);
  return [...snap.uids].filter((_, i) => (snap.systemFlags[i]! & FLAG_SEEN) !== 0);
}

describe('Mailbox.clearSeen', () => {
  it("the owner's \\Seen (the bits): one new modseq on the records that lose it; other users keep theirs", async () => {
    const box = await mailbox('user.fred', [['fred', [1, 2]], ['joe', [2, 3]]]);
    const before = box.status().highestModseq;
    const result = box.clearSeen('fred')!;
    expect(result.changed.map((r) => [r.uid, r.modseq])).toEqual([[1, before + 1], [2, before + 1]]);
    expect(box.status().highestModseq).toBe(before + 1);
    expect(seenBy(box, 'fred')).toEqual([]);
    expect(seenBy(box, 'joe')).toEqual([2, 3]);
    expect(box.changesSince(before, 'fred').records.map((r) => r.uid)).toEqual([1, 2]);
    box.close();
  });

  it("another user's \\Seen: their seen.db row goes, UIDs expunged since with it", async () => {
    const box = await mailbox('shared', [['joe', [1, 3]], ['ann', [1]]]);
    box.expunge({ uids: [3], force: true });
    const before = box.status().highestModseq;
    expect(box.clearSeen('joe')!.changed.map((r) => r.uid)).toEqual([1]);
    expect(seenBy(box, 'joe')).toEqual([]);
    expect(seenBy(box, 'ann')).toEqual([1]);
    expect(store.seen.usersOf(box.uniqueId)).toEqual(['ann']);
    expect(box.status().highestModseq).toBe(before + 1);
    // Nothing seen: no new modseq, and the row (here: none) stays gone.
    expect(box.clearSeen('joe')!.changed).toEqual([]);
    expect(box.status().highestModseq).toBe(before + 1);
    box.close();
  });

  it('a sharedseen mailbox: the bits are everyone\'s; no user, no owner: nothing to clear', async () => {
    const news = await mailbox('shared.news', [['ann', [1, 2]]], { sharedSeen: true });
    expect(news.clearSeen(null)!.changed.map((r) => r.uid)).toEqual([1, 2]);
    expect(seenBy(news, 'joe')).toEqual([]);
    news.close();
    const plain = await mailbox('shared.plain', [['ann', [1]]]);
    // A stray bit in a mailbox without an owner (nobody's \Seen: no session reads it) is left alone.
    const index = new Database(join(plain.path, 'cyrus.index'));
    index.prepare(`UPDATE messages SET flags = flags | ${FLAG_SEEN} WHERE uid = 2`).run();
    index.close();
    const before = plain.status().highestModseq;
    expect(plain.clearSeen(null)!.changed).toEqual([]);
    expect(plain.status().highestModseq).toBe(before);
    expect(seenBy(plain, 'ann')).toEqual([1]);
    plain.close();
  });

  it('onlyIf false (asked under the index lock): nothing changes, null', async () => {
    const box = await mailbox('shared', [['joe', [1, 2]]]);
    const before = box.status().highestModseq;
    let asked = 0;
    expect(box.clearSeen('joe', { onlyIf: () => (asked++, false) })).toBeNull();
    expect(asked).toBe(1);
    expect(seenBy(box, 'joe')).toEqual([1, 2]);
    expect(store.seen.usersOf(box.uniqueId)).toEqual(['joe']);
    expect(box.status().highestModseq).toBe(before);
    expect(box.clearSeen('joe', { onlyIf: () => true })!.changed).toHaveLength(2);
    box.close();
  });
});
