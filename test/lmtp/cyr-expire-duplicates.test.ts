// cyr_expire -E as in Cyrus 3.6: prune the duplicate delivery database; durations in d h m s.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { DuplicateStore, MailStore, duplicateDbPath } from '../../src/store/index.js';
import { parseExpireDuration, runCyrExpire } from '../../src/tools/cyr_expire.js';

let dir: string;
let conf: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cyrusts-expire-'));
  mkdirSync(join(dir, 'conf'));
  mkdirSync(join(dir, 'spool'));
  conf = join(dir, 'imapd.conf');
  writeFileSync(conf, `configdirectory: ${join(dir, 'conf')}\npartition-default: ${join(dir, 'spool')}\nfsync_disabled: yes\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('reads durations as Cyrus does: days by default, or d h m s', () => {
  expect(parseExpireDuration('3')).toBe(3);
  expect(parseExpireDuration('1.5d')).toBe(1.5);
  expect(parseExpireDuration('12h')).toBe(0.5);
  expect(parseExpireDuration('90m')).toBeCloseTo(1 / 16);
  expect(parseExpireDuration('86400s')).toBe(1);
  expect(parseExpireDuration('3w')).toBeNull();
  expect(parseExpireDuration('-1')).toBeNull();
});

it('-E forgets deliveries older than the duration and keeps newer ones', () => {
  const db = DuplicateStore.open(duplicateDbPath(ImapdConfig.load(conf)), { durable: false });
  const now = Date.now();
  db.recordDelivery('<old@x>', 'user.fred', now - 3 * 3600_000);
  db.recordDelivery('<new@x>', 'user.fred', now - 60_000);
  db.close();
  let out = '';
  const status = runCyrExpire({ config: conf, expire: parseExpireDuration('2h')!, verbose: true }, (t) => (out += t), () => undefined);
  expect(status).toBe(0);
  expect(out).toContain('deliver.db: forgot 1 duplicate delivery record(s)');
  const after = DuplicateStore.open(duplicateDbPath(ImapdConfig.load(conf)), { durable: false });
  expect(after.isDelivered('<old@x>', 'user.fred')).toBe(false);
  expect(after.isDelivered('<new@x>', 'user.fred')).toBe(true);
  after.close();
});

it("-E keeps a mailbox's records for its expire annotation's days instead (0: for ever), as Cyrus does", () => {
  const config = ImapdConfig.load(conf);
  const store = MailStore.open({ config });
  try {
    for (const name of ['user.fred', 'user.joe', 'user.ann']) store.createMailbox(name);
    const annotate = (name: string, days: string): void =>
      store.annotations.apply(store.lookup(name)!.uniqueId, [{ entry: '/vendor/cmu/cyrus-imapd/expire', userid: '', value: Buffer.from(days) }], { maxEntries: 10 });
    annotate('user.fred', '30');
    annotate('user.joe', '0');
  } finally {
    store.close();
  }
  const db = DuplicateStore.open(duplicateDbPath(config), { durable: false });
  const now = Date.now();
  const day = 86_400_000;
  for (const mailbox of ['user.fred', 'user.joe', 'user.ann']) {
    db.recordDelivery('<five@x>', mailbox, now - 5 * day);
    db.recordDelivery('<forty@x>', mailbox, now - 40 * day);
  }
  db.close();
  let out = '';
  expect(runCyrExpire({ config: conf, expire: 2, dryRun: true }, (t) => (out += t), () => undefined)).toBe(0);
  expect(out).toContain('deliver.db: would forget 3 duplicate delivery record(s)');
  expect(runCyrExpire({ config: conf, expire: 2 }, () => undefined, () => undefined)).toBe(0);
  const after = DuplicateStore.open(duplicateDbPath(config), { durable: false });
  const kept = (mailbox: string) => ['<five@x>', '<forty@x>'].filter((id) => after.isDelivered(id, mailbox));
  expect(kept('user.ann')).toEqual([]);
  expect(kept('user.fred')).toEqual(['<five@x>']);
  expect(kept('user.joe')).toEqual(['<five@x>', '<forty@x>']);
  after.close();
});
