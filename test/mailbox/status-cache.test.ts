// The per-process STATUS answers (mailbox/status-cache.ts): by index and user, the oldest first
// out above the bound, an answer kept again replaces the older one, and a kept answer is never
// changed through what a caller was given.
import { describe, expect, it } from 'vitest';
import type { MailboxRow } from '../../src/mailbox/index-db.js';
import { cachedStatus, keepStatus, quietStatus } from '../../src/mailbox/status-cache.js';
import type { MailboxStatus } from '../../src/mailbox/types.js';

const row = (highestmodseq: number): MailboxRow => ({ highestmodseq, uidnext: 10, messages_count: 9 }) as unknown as MailboxRow;
const status = (messages: number): MailboxStatus => ({
  uidValidity: 1, uidNext: 10, highestModseq: 5, deletedModseq: 0, messages, recent: 0, unseen: 1, deleted: 0, size: 100,
});

describe('STATUS answers kept per process', () => {
  it('by index and user, until the row changes', () => {
    keepStatus('ix-a', 'fred', row(5), status(9));
    keepStatus('ix-a', 'joe', row(5), status(8));
    keepStatus('ix-a', null, row(5), status(7));
    expect(cachedStatus('ix-a', 'fred', row(5))?.messages).toBe(9);
    expect(cachedStatus('ix-a', 'joe', row(5))?.messages).toBe(8);
    expect(cachedStatus('ix-a', undefined, row(5))?.messages).toBe(7);
    expect(cachedStatus('ix-b', 'fred', row(5))).toBeNull();
    expect(cachedStatus('ix-a', 'fred', row(6))).toBeNull();
    keepStatus('ix-a', 'fred', row(6), status(10));
    expect(cachedStatus('ix-a', 'fred', row(5))).toBeNull();
    expect(cachedStatus('ix-a', 'fred', row(6))?.messages).toBe(10);
  });

  it('without the row while the connection saw no commit, and a caller cannot change what is kept', () => {
    const db = {};
    keepStatus('ix-q', 'fred', row(5), status(9), db, { own: 3, dv: 7 });
    const quiet = quietStatus('ix-q', 'fred', db, { own: 3, dv: 7 })!;
    expect(quiet.messages).toBe(9);
    expect(quietStatus('ix-q', 'fred', db, { own: 3, dv: 8 })).toBeNull();
    expect(quietStatus('ix-q', 'fred', {}, { own: 3, dv: 7 })).toBeNull();
    const copy = cachedStatus('ix-q', 'fred', row(5), db, { own: 4, dv: 7 })!;
    copy.messages = 0;
    expect(quietStatus('ix-q', 'fred', db, { own: 4, dv: 7 })!.messages).toBe(9);
  });

  it('drops the oldest answers above 4096, in the order kept', () => {
    for (let i = 0; i < 4096; i++) keepStatus(`ix-${i}`, 'fred', row(5), status(i));
    expect(cachedStatus('ix-0', 'fred', row(5))?.messages).toBe(0);
    // kept again: now the newest
    keepStatus('ix-0', 'fred', row(5), status(0));
    keepStatus('ix-new', 'fred', row(5), status(1));
    expect(cachedStatus('ix-0', 'fred', row(5))?.messages).toBe(0);
    expect(cachedStatus('ix-1', 'fred', row(5))).toBeNull();
    expect(cachedStatus('ix-2', 'fred', row(5))?.messages).toBe(2);
    expect(cachedStatus('ix-new', 'fred', row(5))?.messages).toBe(1);
  });
});
