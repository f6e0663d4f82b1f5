// QuotaStore.charge remembers the mailboxes it charged to a root (one write transaction for the
// next charge instead of a read and a write), and forgets one whose root went away: a mailbox
// without a root never takes quotas.db's write lock.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockWaits } from '../../src/common/sqlite.js';
import { QuotaStore } from '../../src/store/quotas.js';

const sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3');

async function holdLock(file: string): Promise<ChildProcess> {
  const script = `
    const Database = require(${JSON.stringify(sqlitePath)});
    const db = new Database(${JSON.stringify(file)});
    db.prepare('BEGIN IMMEDIATE').run();
    process.stdout.write('locked\\n');
    setTimeout(() => { db.prepare('COMMIT').run(); db.close(); }, 400);
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

describe('quota charge and the roots it remembers', () => {
  let dir: string;
  let quotas: QuotaStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'quota-charge-'));
    quotas = new QuotaStore(join(dir, 'quotas.db'), true);
  });
  afterEach(() => {
    quotas.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('charges the root again and again; a root removed meanwhile is not charged', () => {
    quotas.setLimits('user.fred', { STORAGE: null, MESSAGE: 3, MAILBOX: null });
    expect(quotas.charge('user.fred', { storage: 10, messages: 1 }, 'strict')).toBe('user.fred');
    expect(quotas.charge('user.fred', { storage: 20, messages: 1 }, 'strict')).toBe('user.fred');
    expect(quotas.get('user.fred')!.usage).toEqual({ storage: 30, messages: 2, mailboxes: 0 });
    expect(() => quotas.charge('user.fred', { storage: 1, messages: 2 }, 'strict')).toThrow(/Over quota/);
    quotas.removeRoot('user.fred');
    expect(quotas.charge('user.fred', { storage: 5, messages: 1 }, 'strict')).toBeNull();
    quotas.setLimits('user', { STORAGE: null, MESSAGE: null, MAILBOX: null });
    expect(quotas.charge('user.fred', { storage: 5, messages: 1 }, 'strict')).toBe('user');
  });

  it('a mailbox whose root went away takes no write lock any more', async () => {
    quotas.setLimits('user.fred', { STORAGE: null, MESSAGE: null, MAILBOX: null });
    expect(quotas.charge('user.fred', { storage: 10, messages: 1 }, 'strict')).toBe('user.fred');
    quotas.removeRoot('user.fred');
    expect(quotas.charge('user.fred', { storage: 10, messages: 1 }, 'strict')).toBeNull();
    const holder = await holdLock(join(dir, 'quotas.db'));
    try {
      const before = lockWaits.count;
      expect(quotas.charge('user.fred', { storage: 10, messages: 1 }, 'strict')).toBeNull();
      expect(lockWaits.count).toBe(before);
    } finally {
      await new Promise((r) => holder.once('exit', r));
    }
  });
});
