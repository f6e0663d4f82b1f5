/**
 * seen.db keeps a version per row: a process that parsed a big row reads only its version while
 * nobody wrote it, and sees at once a write made through another connection (another process).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SeenStore } from '../../src/store/seen.js';

let dir: string;
let stores: SeenStore[];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seen-parsed-'));
  stores = [];
});
afterEach(() => {
  for (const s of stores) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function open(): SeenStore {
  const store = new SeenStore(path.join(dir, 'seen.db'), false);
  stores.push(store);
  return store;
}

/** The prepared statement that reads a row's text. */
function rowReads(store: SeenStore) {
  return vi.spyOn((store as unknown as { stmts: { get: { get(...args: unknown[]): unknown } } }).stmts.get, 'get');
}

/** Every other UID of 1..2n: n ranges, far above the size parsed rows are kept from. */
const odd = (n: number) => Array.from({ length: n }, (_, i) => 2 * i + 1);

describe('seen state parsed once', () => {
  it('reads a big unchanged row only once, and a change by another process at once', () => {
    const here = open();
    const there = open();
    there.update('fred', 'box1', odd(500), []);
    const reads = rowReads(here);
    const first = here.seen('fred', 'box1');
    expect(first).toHaveLength(500);
    expect(here.seen('fred', 'box1')).toBe(first);
    expect(reads).toHaveBeenCalledTimes(1);

    there.update('fred', 'box1', [2], []);
    const after = here.seen('fred', 'box1');
    expect(reads).toHaveBeenCalledTimes(2);
    expect(after).toHaveLength(499);
    expect(after[0]).toEqual([1, 3]);

    // this process's own write is remembered as written
    here.update('fred', 'box1', [], [1]);
    expect(here.seen('fred', 'box1')[0]).toEqual([2, 3]);
    expect(there.seen('fred', 'box1')[0]).toEqual([2, 3]);
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it('tells rows written before versions apart by their write time', () => {
    open().update('fred', 'box1', odd(400), []);
    const raw = new Database(path.join(dir, 'seen.db'));
    try {
      // as the code before versions wrote them: version left at 0
      raw.prepare("UPDATE seen SET version = 0, changed = 1000 WHERE userid = 'fred'").run();
      const here = open();
      const reads = rowReads(here);
      expect(here.seen('fred', 'box1')).toHaveLength(400);
      expect(here.seen('fred', 'box1')).toHaveLength(400);
      expect(reads).toHaveBeenCalledTimes(1);
      raw.prepare("INSERT OR REPLACE INTO seen (userid, uniqueid, uids, changed) VALUES ('fred', 'box1', '1:3', 1001)").run();
      expect(here.seen('fred', 'box1')).toEqual([[1, 3]]);
    } finally {
      raw.close();
    }
  });

  it('keeps users and mailboxes apart, and forgets a deleted row', () => {
    const here = open();
    here.update('fred', 'box1', odd(300), []);
    here.update('anne', 'box1', [5], []);
    expect(here.seen('anne', 'box1')).toEqual([[5, 5]]);
    expect(here.seen('fred', 'box2')).toEqual([]);
    expect(here.seen('fred', 'box1')).toHaveLength(300);
    open().forgetMailbox('box1');
    expect(here.seen('fred', 'box1')).toEqual([]);
  });
});
