// deletedModseq: the highest modseq of any expunged record forgotten (cyr_expire -E), kept in the
// index header, never lowered, shown by status() and snapshot(), kept by reconstruct.
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reconstructMailbox } from '../../src/mailbox/index.js';
import type { Mailbox } from '../../src/mailbox/index.js';
import type { MailStore } from '../../src/store/index.js';
import { runCyrExpire } from '../../src/tools/cyr_expire.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv | undefined;
afterEach(() => env?.cleanup());

function setup(expungeMode: 'immediate' | 'delayed'): { store: MailStore; box: Mailbox } {
  env = makeEnv(`expunge_mode: ${expungeMode}`);
  const store = env.open();
  store.createMailbox('user.fred');
  return { store, box: store.openMailbox('user.fred') };
}

async function appendN(box: Mailbox, n: number): Promise<number[]> {
  const { uids } = await box.append(Array.from({ length: n }, (_, i) => ({ content: message(`m${i}`) })));
  return uids;
}

/** Expunge `uids` (flag \Deleted, then UID EXPUNGE); returns the expunge's modseq. */
function expungeUids(box: Mailbox, uids: number[]): number {
  box.setFlags(uids, 'add', ['\\Deleted']);
  expect(box.expunge({ uids })).toEqual(uids);
  return box.status().highestModseq;
}

const deletedModseq = (box: Mailbox) => {
  const fromStatus = box.status().deletedModseq;
  expect(box.snapshot().deletedModseq).toBe(fromStatus);
  return fromStatus;
};

describe('deletedModseq', () => {
  it('is 0 while nothing was forgotten, expunged records or not', async () => {
    const { box } = setup('immediate');
    expect(deletedModseq(box)).toBe(0);
    await appendN(box, 3);
    expungeUids(box, [1]);
    expect(deletedModseq(box)).toBe(0);
    expect(box.pruneExpunged(0, { dryRun: true })).toEqual([1]);
    expect(deletedModseq(box)).toBe(0);
    box.close();
  });

  it('is the highest modseq of the records forgotten, not of those kept', async () => {
    const { box } = setup('immediate');
    await appendN(box, 4);
    const first = expungeUids(box, [1]);
    const second = expungeUids(box, [2]);
    expect(second).toBeGreaterThan(first);
    expect(box.pruneExpunged(0)).toEqual([1, 2]);
    expect(deletedModseq(box)).toBe(second);
    // A later expunge stays remembered (and reported) until it is forgotten too.
    const third = expungeUids(box, [3]);
    expect(deletedModseq(box)).toBe(second);
    expect(box.changesSince(second).expunged).toEqual([3]);
    expect(box.pruneExpunged(0)).toEqual([3]);
    expect(deletedModseq(box)).toBe(third);
    // Nothing left to forget: unchanged.
    expect(box.pruneExpunged(0)).toEqual([]);
    expect(deletedModseq(box)).toBe(third);
    box.close();
  });

  it('never goes down when a record with a lower modseq is forgotten later', async () => {
    const { store, box } = setup('delayed');
    await appendN(box, 3);
    // uid 1 expunged first (lower modseq); its file stays (delayed) so -E keeps its record.
    const low = expungeUids(box, [1]);
    // uid 2's file vanishes; reconstruct records it as expunged with a higher modseq, file gone.
    fs.rmSync(box.messagePath(2));
    expect(reconstructMailbox(store, 'user.fred').dropped).toEqual([2]);
    const high = box.status().highestModseq;
    expect(high).toBeGreaterThan(low);
    expect(box.pruneExpunged(0)).toEqual([2]);
    expect(deletedModseq(box)).toBe(high);
    expect(box.expireExpunged(0)).toEqual([1]);
    expect(box.pruneExpunged(0)).toEqual([1]);
    expect(deletedModseq(box)).toBe(high);
    box.close();
  });

  it('is set by cyr_expire -E, and not by -E -n', async () => {
    const { box } = setup('delayed');
    await appendN(box, 2);
    const modseq = expungeUids(box, [1, 2]);
    const run = (opts: { expire?: number; expunge?: number; dryRun?: boolean }) => runCyrExpire({ config: env!.configFile, notifier: { mailboxChanged: () => {} }, ...opts }, () => {}, () => {});
    expect(run({ expire: 0, expunge: 0, dryRun: true })).toBe(0);
    expect(deletedModseq(box)).toBe(0);
    expect(run({ expire: 0, expunge: 0 })).toBe(0);
    expect(deletedModseq(box)).toBe(modseq);
    expect(box.changesSince(0).expunged).toEqual([]);
    box.close();
  });

  it('survives reconstruct when the index survives', async () => {
    const { store, box } = setup('immediate');
    await appendN(box, 3);
    const modseq = expungeUids(box, [1]);
    box.pruneExpunged(0);
    fs.rmSync(box.messagePath(3));
    const report = reconstructMailbox(store, 'user.fred');
    expect(report.dropped).toEqual([3]);
    expect(box.status().highestModseq).toBeGreaterThan(modseq);
    expect(deletedModseq(box)).toBe(modseq);
    box.close();
  });

  it('covers every modseq of a lost index that reconstruct rebuilt', async () => {
    const { store, box } = setup('immediate');
    await appendN(box, 2);
    expungeUids(box, [1]);
    const path = box.path;
    box.close();
    for (const f of fs.readdirSync(path)) if (f.startsWith('cyrus.index')) fs.rmSync(join(path, f));
    reconstructMailbox(store, 'user.fred');
    const again = store.openMailbox('user.fred');
    expect(Array.from(again.snapshot().uids)).toEqual([2]);
    expect(again.changesSince(0).expunged).toEqual([]);
    expect(deletedModseq(again)).toBe(again.status().highestModseq);
    again.close();
  });

  it('reads as 0 from an index made before the field, which then records it', async () => {
    const { store, box } = setup('immediate');
    await appendN(box, 2);
    const path = box.path;
    box.close();
    store.close();
    // Make the index look like one written by the previous version (schema 2, no column).
    const db = new Database(join(path, 'cyrus.index'));
    db.exec('ALTER TABLE mailbox DROP COLUMN deletedmodseq');
    db.pragma('user_version = 2');
    db.close();
    const reopened = env!.open();
    const old = reopened.openMailbox('user.fred');
    expect(deletedModseq(old)).toBe(0);
    const modseq = expungeUids(old, [1]);
    expect(old.pruneExpunged(0)).toEqual([1]);
    expect(deletedModseq(old)).toBe(modseq);
    old.close();
  });
});
