// withPageCache: a large write transaction (a MULTIAPPEND) runs with room for its pages, and the
// connection gets its own small budget back afterwards, also when the transaction throws; an
// append of 100 messages leaves the index's cache as it was opened.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, withPageCache, writeTransaction, type Db } from '../../src/common/sqlite.js';
import type { IndexDb } from '../../src/mailbox/index-db.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

const cacheSize = (db: Db): number => db.pragma('cache_size', { simple: true }) as number;

describe('withPageCache', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'page-cache-'));
    db = openDb(join(dir, 'x.db'), { durable: false, cacheKiB: 128 });
    db.exec('CREATE TABLE t (v BLOB)');
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('raises the cache for the body and restores it', () => {
    const inside = withPageCache(db, 2048, () => writeTransaction(db, 'test', () => {
      for (let i = 0; i < 200; i++) db.prepare('INSERT INTO t (v) VALUES (?)').run(Buffer.alloc(3000, i));
      return cacheSize(db);
    }));
    expect(inside).toBe(-2048);
    expect(cacheSize(db)).toBe(-128);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(200);
  });

  it('restores it when the body throws', () => {
    expect(() => withPageCache(db, 4096, () => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(cacheSize(db)).toBe(-128);
  });

  it('leaves a cache that is large enough alone (no PRAGMA)', () => {
    expect(withPageCache(db, 100, () => cacheSize(db))).toBe(-128);
    expect(withPageCache(db, 0, () => cacheSize(db))).toBe(-128);
  });
});

describe('MULTIAPPEND and the index page cache', () => {
  let env: TestEnv;
  let store: MailStore;
  beforeEach(() => {
    env = makeEnv();
    store = env.open();
  });
  afterEach(() => env.cleanup());

  it('a 100-message append raises it inside its transaction and gives it back', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const index = (box as unknown as { index: IndexDb }).index;
    const seen: number[] = [];
    const pragma = index.db.pragma.bind(index.db);
    // Watch the settings the append makes.
    index.db.pragma = ((source: string, options?: { simple?: boolean }) => {
      const m = /^cache_size = (-\d+)$/.exec(source);
      if (m) seen.push(Number(m[1]));
      return pragma(source, options);
    }) as typeof index.db.pragma;
    await box.append([{ content: message('single'), flags: [] }]);
    expect(seen).toEqual([]);
    const items = Array.from({ length: 100 }, (_, i) => ({ content: message(`m${i} ${'x'.repeat(600)}`), flags: [] }));
    await box.append(items);
    expect(seen.length).toBe(2);
    expect(seen[0]!).toBeLessThan(-128);
    expect(seen[1]).toBe(-128);
    expect(cacheSize(index.db)).toBe(-128);
    expect(box.records(Array.from({ length: 101 }, (_, i) => i + 1)).length).toBe(101);
    box.close();
  });
});
