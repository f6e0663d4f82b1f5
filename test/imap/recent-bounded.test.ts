/**
 * A \Recent claim stops at the last message the session's view numbers: RECENT never counts a
 * message the client has not been told of by EXISTS. A message committed after the sync read the
 * index and before the claim ran used to be claimed too (`* 2 EXISTS` then `* 3 RECENT` after IDLE
 * pushes, seen under load in idle-push-facts); it is now claimed by the sync that numbers it.
 *
 * The seam: the next Mailbox.changesSince leaves out the newest append, as a read made just before
 * that append committed would; the claim that follows runs against the index as it is.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { Mailbox } from '../../src/mailbox/mailbox.js';
import { MailStore } from '../../src/store/index.js';
import { ensureBuilt, RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
/** UID the next changesSince leaves out (with every record after it), or null. */
let hideFrom: number | null = null;
const originalChangesSince = Mailbox.prototype.changesSince;

beforeAll(() => {
  ensureBuilt();
  Mailbox.prototype.changesSince = function (this: Mailbox, modseq: number, userid?: string | null) {
    const changes = originalChangesSince.call(this, modseq, userid);
    const from = hideFrom;
    if (from === null) return changes;
    hideFrom = null;
    const records = changes.records.filter((r) => r.uid < from);
    const highestModseq = records.reduce((m, r) => Math.max(m, r.modseq), modseq);
    return { ...changes, records, uidNext: Math.min(changes.uidNext, from), highestModseq };
  };
}, 120_000);
afterAll(() => {
  Mailbox.prototype.changesSince = originalChangesSince;
});
beforeEach(async () => {
  server = await startTestServer({ notify: true });
  server.imap.deps.limits.idlePollMs = 3_600_000;
  hideFrom = null;
});
afterEach(async () => {
  await server.close();
});

/** The counts of the EXISTS and RECENT lines among `lines`, in order. */
function counts(lines: string[]): string[] {
  return lines.filter((l) => /^\* \d+ (EXISTS|RECENT)$/.test(l));
}

describe('\\Recent claims stop at the view', () => {
  it('RECENT counts no message that EXISTS has not told of; the next sync claims it', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    expect(counts(await c.command('b', 'SELECT INBOX'))).toEqual(['* 0 EXISTS', '* 0 RECENT']);
    const quiet = MailStore.open({ config: server.config, logger: silentLogger() });
    try {
      const box = quiet.openMailbox('user.fred');
      await box.append([{ content: Buffer.from('From: a@example.com\r\nSubject: one\r\n\r\nbody\r\n') }]);
      await box.append([{ content: Buffer.from('From: a@example.com\r\nSubject: two\r\n\r\nbody\r\n') }]);
      box.close();
    } finally {
      quiet.close();
    }
    // The sync reads the index as it was before the second append; the claim runs after it.
    hideFrom = 2;
    const first = await c.command('n1', 'NOOP');
    expect(first.at(-1)).toMatch(/^n1 OK/);
    expect(counts(first)).toEqual(['* 1 EXISTS', '* 1 RECENT']);
    const second = await c.command('n2', 'NOOP');
    expect(counts(second)).toEqual(['* 2 EXISTS', '* 2 RECENT']);
    // Both are this session's: another session gets neither.
    const other = await RawClient.connect(server.port);
    await other.command('a', 'LOGIN fred pass');
    expect(counts(await other.command('b', 'SELECT INBOX'))).toEqual(['* 2 EXISTS', '* 0 RECENT']);
    other.close();
    c.close();
  });
});
