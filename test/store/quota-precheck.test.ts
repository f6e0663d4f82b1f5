/**
 * QuotaStore.precheck, the early answer of an IMAP APPEND before its message file is written:
 * passes without reading quotas.db when the root as this process last read or charged it has
 * room; reads it (as check) otherwise, so it never refuses from a stale reading. The charge in the
 * index transaction stays the exact answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QuotaStore } from '../../src/store/quotas.js';

let dir: string;
let here: QuotaStore;
let there: QuotaStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'quota-precheck-'));
  // Two connections to one quotas.db: this process and another.
  here = new QuotaStore(join(dir, 'quotas.db'), false);
  there = new QuotaStore(join(dir, 'quotas.db'), false);
  here.setLimits('user.fred', { STORAGE: null, MESSAGE: 3, MAILBOX: null });
});
afterEach(() => {
  here.close();
  there.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Reads of quotas.db roots by `quotas` from now on. */
function rootReads(quotas: QuotaStore): { calls: unknown[] } {
  const stmt = (quotas as unknown as { stmts: { getRaw: { get(...args: unknown[]): unknown } } }).stmts.getRaw;
  return vi.spyOn(stmt, 'get').mock;
}

describe('QuotaStore.precheck', () => {
  it('reads nothing while the last charge of this process left room, and check always reads', () => {
    here.charge('user.fred', { storage: 10, messages: 1 }, 'strict');
    const reads = rootReads(here);
    here.precheck('user.fred', { storage: 10, messages: 1 }, 'strict');
    here.precheck('user.fred', { storage: 10, messages: 2 }, 'strict');
    expect(reads.calls).toHaveLength(0);
    here.check('user.fred', { storage: 10, messages: 1 }, 'strict');
    expect(reads.calls).toHaveLength(1);
    // No room by the last charge: read, and refused.
    expect(() => here.precheck('user.fred', { storage: 10, messages: 3 }, 'strict')).toThrow(/Over quota \(MESSAGE\)/);
    expect(reads.calls).toHaveLength(2);
  });

  it('never refuses from a stale reading: room made by another process is seen', () => {
    here.charge('user.fred', { storage: 30, messages: 3 }, 'strict');
    there.charge('user.fred', { storage: -20, messages: -2 }, 'ignore');
    const reads = rootReads(here);
    expect(() => here.precheck('user.fred', { storage: 10, messages: 1 }, 'strict')).not.toThrow();
    expect(reads.calls.length).toBeGreaterThan(0);
  });

  it('may pass room another process took meanwhile; the charge still refuses it', () => {
    here.charge('user.fred', { storage: 10, messages: 1 }, 'strict');
    there.charge('user.fred', { storage: 20, messages: 2 }, 'strict');
    expect(() => here.precheck('user.fred', { storage: 10, messages: 1 }, 'strict')).not.toThrow();
    expect(() => here.charge('user.fred', { storage: 10, messages: 1 }, 'strict')).toThrow(/Over quota \(MESSAGE\)/);
    expect(here.get('user.fred')!.usage).toEqual({ storage: 30, messages: 3, mailboxes: 0 });
  });

  it('reads again after this process changed the limits', () => {
    here.charge('user.fred', { storage: 10, messages: 1 }, 'strict');
    here.setLimits('user.fred', { STORAGE: null, MESSAGE: 1, MAILBOX: null });
    expect(() => here.precheck('user.fred', { storage: 10, messages: 1 }, 'strict')).toThrow(/Over quota \(MESSAGE\)/);
  });
});
