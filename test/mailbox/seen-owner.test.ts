/**
 * The mailbox owner's \Seen is the records' \Seen bit (seen_owner in the index row); every other
 * user's stays in seen.db; the handover to the owner (an index from before the bits, a rename into
 * another user's hierarchy) is crash-safe (src/mailbox/seen-owner.ts).
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FLAG_SEEN, adoptSeenOwner, IndexDb, reconstructMailbox, type Mailbox, type SeenState } from '../../src/mailbox/index.js';
import { silentLogger } from '../../src/common/index.js';
import { Intake } from '../../src/intake/index.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv();
  store = env.open();
});
afterEach(() => env.cleanup());

/** seen.db's rows as [userid, uids], read beside the store (another connection). */
function seenRows(uniqueId: string): Array<[string, string]> {
  const db = new Database(join(env.dir, 'conf', 'seen.db'), { readonly: true });
  try {
    return db.prepare<[string], [string, string]>('SELECT userid, uids FROM seen WHERE uniqueid = ? ORDER BY userid').raw(true).all(uniqueId);
  } finally {
    db.close();
  }
}

/** The index row and \Seen bits of a mailbox, read beside the store. */
function indexState(box: Mailbox): { owner: string | null; bits: number[]; modseqs: number[] } {
  const db = new Database(join(box.path, 'cyrus.index'), { readonly: true });
  try {
    const owner = db.prepare<[], string | null>('SELECT seen_owner FROM mailbox').pluck().get()!;
    const rows = db.prepare<[], { uid: number; flags: number; modseq: number }>('SELECT uid, flags, modseq FROM messages ORDER BY uid').all();
    return { owner, bits: rows.filter((r) => (r.flags & FLAG_SEEN) !== 0).map((r) => r.uid), modseqs: rows.map((r) => r.modseq) };
  } finally {
    db.close();
  }
}

const seenOf = (box: Mailbox, userid: string | null, uids = [1, 2, 3, 4]) => box.records(uids, userid).filter((r) => r.flags.includes('\\Seen')).map((r) => r.uid);
const unseenSearch = (box: Mailbox, userid: string) => {
  const snap = box.snapshot(userid);
  return [...snap.uids].filter((_, i) => !snap.isSeen(i));
};

async function fredsMailbox(name = 'user.fred', acl = 'fred lrswipkxtecda joe lrswi'): Promise<Mailbox> {
  store.createMailbox(name, { acl });
  const box = store.openMailbox(name);
  await box.append([1, 2, 3, 4].map((i) => ({ content: message(`m${i}`) })));
  return box;
}

describe("the owner's \\Seen in the records", () => {
  it('STORE, APPEND and COPY by the owner set the bit and write no seen.db row; another user keeps his own in seen.db', async () => {
    const box = await fredsMailbox();
    const before = indexState(box).modseqs;
    box.setFlags([1, 2], 'add', ['\\Seen'], { userid: 'fred' });
    expect(indexState(box)).toMatchObject({ owner: 'fred', bits: [1, 2] });
    // The owner's \Seen change raises the records' modseq (CONDSTORE).
    const after = indexState(box).modseqs;
    expect(after[0]).toBeGreaterThan(before[0]!);
    expect(after[2]).toBe(before[2]);
    expect(seenRows(box.uniqueId)).toEqual([]);
    // joe (ACL lrswi) has his own \Seen: none yet, then only what he marks.
    expect(seenOf(box, 'joe')).toEqual([]);
    box.setFlags([3], 'add', ['\\Seen'], { userid: 'joe' });
    expect(seenOf(box, 'joe')).toEqual([3]);
    expect(seenOf(box, 'fred')).toEqual([1, 2]);
    expect(indexState(box).bits).toEqual([1, 2]);
    expect(seenRows(box.uniqueId)).toEqual([['joe', '3']]);
    // FLAGS replace by the owner: keeps joe's; without a user, no \Seen at all.
    box.setFlags([1, 3], 'replace', ['\\Flagged', '\\Seen'], { userid: 'fred' });
    box.setFlags([1], 'replace', ['\\Flagged'], { userid: 'fred' });
    expect(seenOf(box, 'fred')).toEqual([2, 3]);
    expect(seenOf(box, 'joe')).toEqual([3]);
    expect(seenOf(box, null)).toEqual([]);
    // APPEND with \Seen: the owner's into the bit, joe's into seen.db.
    await box.append([{ content: message('m5'), flags: ['\\Seen'] }], { userid: 'fred' });
    await box.append([{ content: message('m6'), flags: ['\\Seen'] }], { userid: 'joe' });
    expect(indexState(box).bits).toEqual([2, 3, 5]);
    expect(seenRows(box.uniqueId)).toEqual([['joe', '3,6']]);
    // COPY keeps the copier's \Seen, stored as the target's owner's bit or the copier's row.
    store.createMailbox('user.fred.archive', { acl: 'fred lrswipkxtecda joe lrswi' });
    const archive = store.openMailbox('user.fred.archive');
    await box.copyTo([2, 6], archive, { userid: 'fred' });
    expect(indexState(archive).bits).toEqual([1]);
    expect(seenRows(archive.uniqueId)).toEqual([]);
    await box.copyTo([3, 6], archive, { userid: 'joe' });
    expect(seenOf(archive, 'joe')).toEqual([3, 4]);
    expect(seenOf(archive, 'fred')).toEqual([1]);
    archive.close();
    box.close();
  });

  it("STATUS UNSEEN and an UNSEEN snapshot: the owner's from the counters and bits, another user's from seen.db", async () => {
    const box = await fredsMailbox();
    box.setFlags([1, 2, 3], 'add', ['\\Seen'], { userid: 'fred' });
    box.setFlags([4], 'add', ['\\Seen'], { userid: 'joe' });
    const seen = (box as unknown as { ctx: { seen: SeenState } }).ctx.seen;
    const original = seen.seen;
    let reads = 0;
    seen.seen = (...a) => {
      reads++;
      return original.apply(seen, a);
    };
    try {
      expect(box.status('fred').unseen).toBe(1);
      expect(unseenSearch(box, 'fred')).toEqual([4]);
      expect(reads).toBe(0);
      expect(box.status('joe').unseen).toBe(3);
      expect(unseenSearch(box, 'joe')).toEqual([1, 2, 3]);
      expect(reads).toBeGreaterThan(0);
    } finally {
      seen.seen = original;
    }
    // An expunge takes the bit with the record: the counters follow.
    box.setFlags([1], 'add', ['\\Deleted'], { userid: 'fred' });
    box.expunge();
    expect(box.status('fred')).toMatchObject({ messages: 3, unseen: 1 });
    expect(box.status('joe')).toMatchObject({ messages: 3, unseen: 2 });
    box.close();
  });

  it("another user's session hears the owner's \\Seen change as a change of the record, not of his own \\Seen", async () => {
    const box = await fredsMailbox();
    const modseq = box.status().highestModseq;
    box.setFlags([2], 'add', ['\\Seen'], { userid: 'fred' });
    const forJoe = box.changesSince(modseq, 'joe');
    expect(forJoe.records.map((r) => [r.uid, r.flags])).toEqual([[2, []]]);
    const forFred = box.changesSince(modseq, 'fred');
    expect(forFred.records.map((r) => [r.uid, r.flags])).toEqual([[2, ['\\Seen']]]);
    box.close();
  });

  it('a delivery with \\Seen (LMTP, Sieve addflag) into the owner\'s folder sets the bit', async () => {
    store.createMailbox('user.fred');
    store.createMailbox('user.fred.lists');
    const intake = new Intake({ store, config: env.config, logger: silentLogger() });
    const prepared = intake.prepare({ bytes: message('delivered') });
    const outcomes = await intake.deliver(prepared, [{ mailbox: 'user.fred.lists', userid: 'fred', flags: ['\\Seen'] }]);
    expect(outcomes.map((o) => o.status)).toEqual(['delivered']);
    const box = store.openMailbox('user.fred.lists');
    expect(indexState(box).bits).toEqual([1]);
    expect(seenRows(box.uniqueId)).toEqual([]);
    expect(box.status('fred').unseen).toBe(0);
    box.close();
  });

  it('a shared mailbox has no owner: every user keeps his \\Seen in seen.db', async () => {
    const box = await fredsMailbox('shared.news', 'anyone lrs fred lrswi joe lrswi');
    box.setFlags([1], 'add', ['\\Seen'], { userid: 'fred' });
    expect(indexState(box)).toEqual({ owner: null, bits: [], modseqs: expect.any(Array) });
    expect(seenRows(box.uniqueId)).toEqual([['fred', '1']]);
    expect(seenOf(box, 'joe')).toEqual([]);
    box.close();
  });

  it('sharedseen: the bit is everyone\'s, as before', async () => {
    env.cleanup();
    env = makeEnv('sharedseen: yes');
    store = env.open();
    const box = await fredsMailbox();
    box.setFlags([1], 'add', ['\\Seen'], { userid: 'joe' });
    box.setFlags([2], 'add', ['\\Seen'], { userid: 'fred' });
    expect(indexState(box)).toMatchObject({ owner: null, bits: [1, 2] });
    expect(seenRows(box.uniqueId)).toEqual([]);
    expect(seenOf(box, 'joe')).toEqual([1, 2]);
    expect(seenOf(box, 'fred')).toEqual([1, 2]);
    expect(box.status('joe').unseen).toBe(2);
    box.close();
  });

  it('virtual domains and dots in a userid: the owner by the name', async () => {
    const box = await fredsMailbox('example.com!user.joe^smith', 'joe.smith@example.com lrswipkxtecda');
    box.setFlags([1], 'add', ['\\Seen'], { userid: 'joe.smith@example.com' });
    expect(indexState(box)).toMatchObject({ owner: 'joe.smith@example.com', bits: [1] });
    expect(seenRows(box.uniqueId)).toEqual([]);
    box.close();
  });
});

/** Make an index look as before the bits: no seen_owner column, schema version 7, \Seen clear. */
function makeOld(box: Mailbox): void {
  const path = join(box.path, 'cyrus.index');
  box.close();
  store.close();
  const db = new Database(path);
  db.exec(`UPDATE messages SET flags = flags & ~${FLAG_SEEN}; ALTER TABLE mailbox DROP COLUMN seen_owner; PRAGMA user_version = 7`);
  db.close();
}

describe('migration of the owner\'s \\Seen out of seen.db', () => {
  it('moves it into the bits once at the first open, keeps every modseq, and drops the seen.db row', async () => {
    const box = await fredsMailbox();
    const uniqueId = box.uniqueId;
    box.setFlags([1, 3], 'add', ['\\Seen'], { userid: 'joe' });
    const modseqs = indexState(box).modseqs;
    const highest = box.status().highestModseq;
    makeOld(box);
    // fred's \Seen as the old code kept it: a seen.db row.
    store = env.open();
    store.seen.update('fred', uniqueId, [2, 3, 4], []);
    expect(seenRows(uniqueId)).toEqual([['fred', '2:4'], ['joe', '1,3']]);
    const again = store.openMailbox('user.fred');
    expect(indexState(again)).toEqual({ owner: 'fred', bits: [2, 3, 4], modseqs });
    expect(again.status().highestModseq).toBe(highest);
    expect(seenRows(uniqueId)).toEqual([['joe', '1,3']]);
    expect(seenOf(again, 'fred')).toEqual([2, 3, 4]);
    expect(seenOf(again, 'joe')).toEqual([1, 3]);
    expect(again.status('fred').unseen).toBe(1);
    again.close();
  });

  it('a crash after the bits were set and before the row went: the row is ignored and never comes back', async () => {
    const box = await fredsMailbox();
    const uniqueId = box.uniqueId;
    const dir = box.path;
    makeOld(box);
    store = env.open();
    store.seen.update('fred', uniqueId, [1, 2], []);
    // The handover, dying where it would drop fred's seen.db row.
    const index = IndexDb.open(dir, false);
    const dying: SeenState = { ...bound(store.seen), forget: () => { throw new Error('killed'); } };
    expect(() => adoptSeenOwner(index, uniqueId, 'fred', dying)).toThrow('killed');
    index.close();
    expect(seenRows(uniqueId)).toEqual([['fred', '1:2']]);
    const again = store.openMailbox('user.fred');
    expect(indexState(again)).toMatchObject({ owner: 'fred', bits: [1, 2] });
    // fred unmarks 1: the stale row must not bring it back, in this process or the next.
    again.setFlags([1], 'remove', ['\\Seen'], { userid: 'fred' });
    expect(seenOf(again, 'fred')).toEqual([2]);
    again.close();
    store.close();
    store = env.open();
    const later = store.openMailbox('user.fred');
    expect(seenOf(later, 'fred')).toEqual([2]);
    expect(later.status('fred').unseen).toBe(3);
    later.close();
  });

  it('a crash after the former owner\'s row was written and before the bits changed: the index is as it was, the retry finishes', async () => {
    const box = await fredsMailbox('user.fred.x', 'fred lrswipkxtecda joe lrswipkxtecda');
    const uniqueId = box.uniqueId;
    box.setFlags([1, 2], 'add', ['\\Seen'], { userid: 'fred' });
    box.setFlags([4], 'add', ['\\Seen'], { userid: 'joe' });
    box.close();
    store.renameMailbox('user.fred.x', 'user.joe.x');
    const entry = store.lookup('user.joe.x')!;
    const dir = store.directoryOf(entry.name, entry.partition);
    const index = IndexDb.open(dir, false);
    // Dies reading joe's row: fred's row is already written, the index transaction rolls back.
    const dying: SeenState = { ...bound(store.seen), seen: () => { throw new Error('killed'); } };
    expect(() => adoptSeenOwner(index, uniqueId, 'joe', dying)).toThrow('killed');
    expect(index.mailbox().seen_owner).toBe('fred');
    index.close();
    expect(seenRows(uniqueId)).toEqual([['fred', '1:2'], ['joe', '4']]);
    const moved = store.openMailbox('user.joe.x');
    expect(indexState(moved)).toMatchObject({ owner: 'joe', bits: [4] });
    expect(seenRows(uniqueId)).toEqual([['fred', '1:2']]);
    expect(seenOf(moved, 'fred')).toEqual([1, 2]);
    expect(seenOf(moved, 'joe')).toEqual([4]);
    moved.close();
  });
});

/** SeenStore's methods bound to it (spread into a SeenState with one of them replaced). */
function bound(seen: MailStore['seen']): SeenState {
  return {
    seen: seen.seen.bind(seen),
    update: seen.update.bind(seen),
    replace: seen.replace.bind(seen),
    forget: seen.forget.bind(seen),
  };
}

describe('renames', () => {
  it('a user rename keeps the bits: they are the renamed user\'s', async () => {
    const box = await fredsMailbox();
    box.setFlags([1, 2], 'add', ['\\Seen'], { userid: 'fred' });
    box.setFlags([3], 'add', ['\\Seen'], { userid: 'joe' });
    box.close();
    store.createMailbox('user.fred.sub');
    const sub = store.openMailbox('user.fred.sub');
    await sub.append([{ content: message('s1'), flags: ['\\Seen'] }], { userid: 'fred' });
    sub.close();
    store.renameMailbox('user.fred', 'user.wilma');
    store.moveUserState('fred', 'wilma', (n) => n.replace(/^user\.fred/, 'user.wilma'));
    const renamed = store.openMailbox('user.wilma');
    expect(indexState(renamed)).toMatchObject({ owner: 'wilma', bits: [1, 2] });
    expect(seenOf(renamed, 'wilma')).toEqual([1, 2]);
    expect(seenOf(renamed, 'joe')).toEqual([3]);
    expect(seenRows(renamed.uniqueId)).toEqual([['joe', '3']]);
    renamed.close();
    const renamedSub = store.openMailbox('user.wilma.sub');
    expect(indexState(renamedSub)).toMatchObject({ owner: 'wilma', bits: [1] });
    expect(seenRows(renamedSub.uniqueId)).toEqual([]);
    renamedSub.close();
  });

  it('a rename into another user\'s hierarchy keeps each user\'s own \\Seen (the former owner\'s to seen.db)', async () => {
    const box = await fredsMailbox('user.fred.x', 'fred lrswipkxtecda joe lrswipkxtecda');
    box.setFlags([1, 2], 'add', ['\\Seen'], { userid: 'fred' });
    box.setFlags([2, 4], 'add', ['\\Seen'], { userid: 'joe' });
    const uniqueId = box.uniqueId;
    box.close();
    store.renameMailbox('user.fred.x', 'user.joe.x');
    const moved = store.openMailbox('user.joe.x');
    expect(indexState(moved)).toMatchObject({ owner: 'joe', bits: [2, 4] });
    expect(seenRows(uniqueId)).toEqual([['fred', '1:2']]);
    expect(seenOf(moved, 'fred')).toEqual([1, 2]);
    expect(seenOf(moved, 'joe')).toEqual([2, 4]);
    expect(moved.status('joe').unseen).toBe(2);
    moved.close();
    // Into a shared mailbox: nobody's bits, fred's and joe's both in seen.db.
    store.renameMailbox('user.joe.x', 'shared.x');
    const shared = store.openMailbox('shared.x');
    expect(indexState(shared)).toMatchObject({ owner: null, bits: [] });
    expect(seenRows(uniqueId)).toEqual([['fred', '1:2'], ['joe', '2,4']]);
    shared.close();
  });
});

describe('reconstruct', () => {
  it('keeps the bits and whose they are', async () => {
    const box = await fredsMailbox();
    box.setFlags([1, 3], 'add', ['\\Seen'], { userid: 'fred' });
    fs.writeFileSync(join(box.path, '9.'), message('orphan').toString().replace(/\n/g, '\r\n'));
    box.close();
    const report = reconstructMailbox(store, 'user.fred');
    expect(report.adopted).toEqual([9]);
    const again = store.openMailbox('user.fred');
    expect(indexState(again)).toMatchObject({ owner: 'fred', bits: [1, 3] });
    expect(seenOf(again, 'fred', [1, 2, 3, 4, 9])).toEqual([1, 3]);
    expect(again.status('fred').unseen).toBe(3);
    again.close();
  });
});
