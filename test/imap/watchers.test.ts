// A mailbox change reaches only the sessions it concerns (ImapServer.mailboxChanged, session/watchers.ts):
// those that have the mailbox selected now, and those that asked for NOTIFY.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Watchers, type Watcher } from '../../src/imap/session/watchers.js';
import { ensureBuilt, RawClient, startTestServer, type TestServer } from './harness.js';

class FakeSession implements Watcher {
  watchedMailbox: string | null = null;
  watchesAll = false;
  readonly heard: string[] = [];
  mailboxChanged(name: string): void {
    this.heard.push(name);
  }
}

describe('Watchers', () => {
  it('tells the sessions that selected the mailbox, then those of the mailbox they selected next', () => {
    const watchers = new Watchers<FakeSession>();
    const a = new FakeSession();
    const b = new FakeSession();
    a.watchedMailbox = 'user.fred';
    watchers.update(a);
    b.watchedMailbox = 'user.fred.Sent';
    watchers.update(b);
    watchers.changed('user.fred');
    expect(a.heard).toEqual(['user.fred']);
    expect(b.heard).toEqual([]);
    a.watchedMailbox = 'user.fred.Sent';
    watchers.update(a);
    watchers.changed('user.fred');
    watchers.changed('user.fred.Sent');
    expect(a.heard).toEqual(['user.fred', 'user.fred.Sent']);
    expect(b.heard).toEqual(['user.fred.Sent']);
    expect(watchers.selecting('user.fred')).toBe(0);
    expect(watchers.selecting('user.fred.Sent')).toBe(2);
  });

  it('tells a NOTIFY session of every mailbox once, and nobody after close', () => {
    const watchers = new Watchers<FakeSession>();
    const a = new FakeSession();
    a.watchedMailbox = 'user.fred';
    a.watchesAll = true;
    watchers.update(a);
    watchers.changed('user.fred');
    watchers.changed('user.joe');
    expect(a.heard).toEqual(['user.fred', 'user.joe']);
    watchers.update(a, true);
    watchers.changed('user.fred');
    expect(a.heard).toEqual(['user.fred', 'user.joe']);
    expect(watchers.selecting('user.fred')).toBe(0);
  });
});

describe('Watchers.reportTo (the names the process wants, for the change hub)', () => {
  /** What the change channel was told, in order. */
  function recorder() {
    const told: string[] = [];
    return { told, interest: { want: (n: string) => told.push(`+${n}`), unwant: (n: string) => told.push(`-${n}`), wantAll: (on: boolean) => told.push(on ? 'all' : 'named') } };
  }

  it('tells the first session to select a name and the last to leave it, nothing between', () => {
    const watchers = new Watchers<FakeSession>();
    const a = new FakeSession();
    const b = new FakeSession();
    a.watchedMailbox = 'user.fred';
    watchers.update(a);
    const { told, interest } = recorder();
    // What is selected already is told at once.
    watchers.reportTo(interest);
    expect(told).toEqual(['+user.fred', 'named']);
    told.length = 0;
    b.watchedMailbox = 'user.fred';
    watchers.update(b);
    expect(told).toEqual([]);
    a.watchedMailbox = 'user.fred.Sent';
    watchers.update(a);
    expect(told).toEqual(['+user.fred.Sent']);
    watchers.update(b, true);
    expect(told).toEqual(['+user.fred.Sent', '-user.fred']);
    a.watchedMailbox = null;
    watchers.update(a);
    expect(told).toEqual(['+user.fred.Sent', '-user.fred', '-user.fred.Sent']);
  });

  it('wants every name from the first NOTIFY session until the last one goes', () => {
    const watchers = new Watchers<FakeSession>();
    const { told, interest } = recorder();
    watchers.reportTo(interest);
    told.length = 0;
    const a = new FakeSession();
    const b = new FakeSession();
    a.watchesAll = true;
    watchers.update(a);
    b.watchesAll = true;
    watchers.update(b);
    expect(told).toEqual(['all']);
    watchers.update(a, true);
    expect(told).toEqual(['all']);
    b.watchesAll = false;
    watchers.update(b);
    expect(told).toEqual(['all', 'named']);
  });
});

describe('ImapServer.mailboxChanged', () => {
  let server: TestServer;
  beforeAll(async () => {
    ensureBuilt();
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('wakes an IDLE session on the mailbox it selected after another one', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    await c.command('b', 'CREATE Other');
    await c.command('c', 'SELECT Other');
    expect(server.imap.selecting('user.fred.Other')).toBe(1);
    await c.command('d', 'SELECT INBOX');
    expect(server.imap.selecting('user.fred.Other')).toBe(0);
    expect(server.imap.selecting('user.fred')).toBe(1);
    c.write('i IDLE\r\n');
    expect(await c.readLine()).toBe('+ idling');
    const w = await RawClient.connect(server.port);
    await w.command('a', 'LOGIN fred pass');
    await w.command('b', 'APPEND INBOX {27+}\r\nSubject: x\r\n\r\nhello there\r\n');
    // Well before the slow poll of IDLE (the safety net) would find it.
    const lines = await c.readUntil((l) => /^\* \d+ EXISTS$/.test(l), 3000);
    expect(lines.at(-1)).toBe('* 1 EXISTS');
    c.write('DONE\r\n');
    expect((await c.readUntil((l) => l.startsWith('i '))).at(-1)).toMatch(/^i OK/);
    await c.command('e', 'UNSELECT');
    expect(server.imap.selecting('user.fred')).toBe(0);
    await c.command('f', 'SELECT INBOX');
    expect(server.imap.selecting('user.fred')).toBe(1);
    c.close();
    w.close();
    await expect.poll(() => server.imap.selecting('user.fred')).toBe(0);
  });
});

describe('Watchers: a name the last session left lingers before it is dropped', () => {
  it('keeps it declared for lingerMs, re-selecting meanwhile tells nothing, and drops it after', () => {
    vi.useFakeTimers();
    try {
      const watchers = new Watchers<FakeSession>(1000);
      const told: string[] = [];
      watchers.reportTo({ want: (n) => told.push(`+${n}`), unwant: (n) => told.push(`-${n}`), wantAll: () => undefined });
      const a = new FakeSession();
      a.watchedMailbox = 'user.fred';
      watchers.update(a);
      expect(told).toEqual(['+user.fred']);
      watchers.update(a, true);
      vi.advanceTimersByTime(600);
      // Left and back within the linger: no declaration either way.
      const b = new FakeSession();
      b.watchedMailbox = 'user.fred';
      watchers.update(b);
      expect(told).toEqual(['+user.fred']);
      watchers.update(b, true);
      vi.advanceTimersByTime(900);
      expect(told).toEqual(['+user.fred']);
      vi.advanceTimersByTime(1200);
      expect(told).toEqual(['+user.fred', '-user.fred']);
    } finally {
      vi.useRealTimers();
    }
  });
});
