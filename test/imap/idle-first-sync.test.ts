/**
 * IDLE's first sync and its wake-up: a change told while that first sync runs (after it read the
 * index, before the IDLE could hear of changes) is pushed at once. Before, IDLE synced first and only
 * then set up its wake, so such a change waited for the slow safety-net poll (5 s; turned off here,
 * so it would never come).
 *
 * The seam: SelectedMailbox.sync is wrapped; once armed, the first call (IDLE's first sync) runs,
 * then flags message 1 through a store of this process that tells no one and tells the server of
 * the change itself, as the change channel would at that moment.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { SelectedMailbox } from '../../src/imap/session/selected.js';
import { MailStore } from '../../src/store/index.js';
import { ensureBuilt, RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
/** Set by the test: what to do right after the next sync of a selected mailbox. */
let afterNextSync: (() => void) | null = null;
const originalSync = SelectedMailbox.prototype.sync;

beforeAll(() => {
  ensureBuilt();
  SelectedMailbox.prototype.sync = function (this: SelectedMailbox, ...args: Parameters<typeof originalSync>) {
    const updates = originalSync.apply(this, args);
    const then = afterNextSync;
    afterNextSync = null;
    then?.();
    return updates;
  };
}, 120_000);
afterAll(() => {
  SelectedMailbox.prototype.sync = originalSync;
});
beforeEach(async () => {
  server = await startTestServer({ notify: true });
  server.imap.deps.limits.idlePollMs = 3_600_000;
  afterNextSync = null;
});
afterEach(async () => {
  await server.close();
});

describe('IDLE: a change told during its first sync', () => {
  it('is pushed at once, not left for the poll', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    const quiet = MailStore.open({ config: server.config, logger: silentLogger() });
    try {
      const box = quiet.openMailbox('user.fred');
      await box.append([{ content: Buffer.from('From: a@example.com\r\nSubject: one\r\n\r\nbody\r\n') }]);
      expect(await c.command('b', 'SELECT INBOX')).toContain('* 1 EXISTS');
      let told = false;
      afterNextSync = () => {
        box.setFlags([1], 'add', ['\\Flagged']);
        server.imap.mailboxChanged('user.fred');
        told = true;
      };
      c.write('i IDLE\r\n');
      expect(await c.readLine()).toBe('+ idling');
      const lines = await c.readUntil((l) => l.includes('FETCH'), 3000);
      expect(told).toBe(true);
      expect(lines.at(-1)).toBe('* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))');
      box.close();
      c.write('DONE\r\n');
      expect((await c.readUntil((l) => l.startsWith('i '))).at(-1)).toMatch(/^i OK/);
    } finally {
      quiet.close();
    }
    c.close();
  });
});
