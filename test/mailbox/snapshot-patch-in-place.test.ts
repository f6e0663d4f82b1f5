/**
 * Without expunges, a patch extends the kept columns in place (snapshot-patch.ts: room after the
 * end, one owner of each buffer's tail) and copies only what changed. Each patched snapshot must
 * equal a full read, for the owner and another user, and every snapshot handed out before must stay
 * as it was, also when the same old columns are patched twice (a patch made inside a transaction is
 * not kept, so the next one starts from the same columns again).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Mailbox, MailboxSnapshot } from '../../src/mailbox/index.js';
import { CACHE_FROM, forgetColumns } from '../../src/mailbox/snapshot-cache.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('expunge_mode: immediate\nfsync_disabled: yes');
  store = env.open();
});
afterEach(() => env.cleanup());

const COUNT = CACHE_FROM + 5;

interface Internals {
  index: { file: string; db: { transaction(fn: () => unknown): { deferred(): unknown } } };
}

const internals = (box: Mailbox) => box as unknown as Internals;

function plain(s: MailboxSnapshot) {
  return {
    highestModseq: s.highestModseq, uidNext: s.uidNext, uids: Array.from(s.uids), modseqs: Array.from(s.modseqs),
    flags: Array.from(s.systemFlags), keywords: Array.from({ length: s.count }, (_, i) => s.keywords[i]), dates: Array.from(s.internalDates), sizes: Array.from(s.sizes),
  };
}

function fullSnapshot(box: Mailbox, userid: string): MailboxSnapshot {
  forgetColumns(internals(box).index.file);
  return box.snapshot(userid);
}

describe('snapshot patched in place', () => {
  it('equals a full read after each change, and leaves earlier snapshots as they were', async () => {
    store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\tjoe\tlrs\t' });
    const box = store.openMailbox('user.fred');
    const other = env.open().openMailbox('user.fred');
    try {
      await box.append(Array.from({ length: COUNT }, (_, i) => ({ content: message(`m${i}`), flags: i % 4 === 0 ? ['\\Seen', '$Later'] : [] })), { userid: 'fred' });
      const steps: Array<[string, () => unknown]> = [
        ['append one', () => other.append([{ content: message('a1') }], { userid: 'joe' })],
        ['append with a keyword and \\Seen', () => other.append([{ content: message('a2'), flags: ['$New', '\\Seen'] }, { content: message('a3') }], { userid: 'fred' })],
        ['flag change of old records', () => other.setFlags([2, 9], 'add', ['\\Flagged'], { userid: 'fred' })],
        ['keyword added to an old record', () => other.setFlags([3], 'add', ['$Work'], { userid: 'fred' })],
        ['keyword removed', () => other.setFlags([1], 'remove', ['$Later'], { userid: 'fred' })],
        ['owner \\Seen', () => other.setFlags([5, COUNT + 1], 'add', ['\\Seen'], { userid: 'fred' })],
        ['other user \\Seen', () => other.setFlags([6], 'add', ['\\Seen'], { userid: 'joe' })],
        ['append after flag changes', () => other.append([{ content: message('a4'), flags: ['\\Flagged'] }], { userid: 'fred' })],
        ['expunge', () => {
          other.setFlags([7], 'add', ['\\Deleted'], { userid: 'fred' });
          return other.expunge({ uids: [7] });
        }],
        ['append after the expunge', () => other.append([{ content: message('a5') }], { userid: 'fred' })],
      ];
      const held: Array<[MailboxSnapshot, ReturnType<typeof plain>]> = [];
      const hold = (s: MailboxSnapshot) => held.push([s, plain(s)]);
      hold(box.snapshot('fred'));
      hold(box.snapshot('joe'));
      for (const [what, step] of steps) {
        await step();
        const fred = box.snapshot('fred');
        const joe = box.snapshot('joe');
        hold(fred);
        hold(joe);
        expect(plain(fred), what).toEqual(plain(fullSnapshot(box, 'fred')));
        expect(plain(joe), what).toEqual(plain(fullSnapshot(box, 'joe')));
        // a snapshot after the full read patches again from its columns
        await other.append([{ content: message(`after ${what}`) }], { userid: 'joe' });
        const next = box.snapshot('fred');
        hold(next);
        expect(plain(next), `${what}, then an append`).toEqual(plain(fullSnapshot(box, 'fred')));
        for (const [s, was] of held) expect(plain(s), `held across ${what}`).toEqual(was);
      }
    } finally {
      other.close();
      box.close();
    }
  });

  it('copies when the same old columns are patched a second time', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const other = env.open().openMailbox('user.fred');
    try {
      await box.append(Array.from({ length: COUNT }, (_, i) => ({ content: message(`m${i}`) })), { userid: 'fred' });
      box.snapshot('fred');
      await other.append([{ content: message('x'), flags: ['$X'] }], { userid: 'fred' });
      // inside a transaction: patched from the kept columns, not kept (they stay the old ones)
      const inside = internals(box).index.db.transaction(() => box.snapshot('fred')).deferred() as MailboxSnapshot;
      const insideWas = plain(inside);
      await other.append([{ content: message('y'), flags: ['$Y'] }, { content: message('z') }], { userid: 'fred' });
      // x changes too: the next patch (from the same old columns) writes it with another modseq
      other.setFlags([COUNT + 1], 'add', ['\\Flagged'], { userid: 'fred' });
      const after = box.snapshot('fred');
      expect(plain(inside)).toEqual(insideWas);
      expect(inside.count).toBe(COUNT + 1);
      expect(plain(after)).toEqual(plain(fullSnapshot(box, 'fred')));
      expect(after.flags(COUNT + 1)).toEqual(['$Y']);
    } finally {
      other.close();
      box.close();
    }
  });
});
