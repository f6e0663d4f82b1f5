/**
 * Issue 16, fairness: a FETCH over many messages gives the other sessions of the process turns
 * while it runs, so a NOOP sent by another client at the same moment is answered before the big
 * FETCH ends; so does the first SELECT of a big mailbox, which reads its index in slices. Ordering
 * only, never time: the FETCH yields at least once per batch of messages, the SELECT once per block.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MessageFactsSource } from '../../src/imap/commands/message/facts.js';
import { noopCommand } from '../../src/imap/commands/noop.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';

const COUNT = 3000;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  server.imap.deps.store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  const box = server.imap.deps.store.openMailbox('user.fred');
  const items = [];
  for (let i = 1; i <= COUNT; i++) items.push({ content: Buffer.from(`From: a${i}@example.org\r\nSubject: message ${i}\r\n\r\nbody ${i}\r\n`), flags: i % 2 === 0 ? ['\\Seen'] : [] });
  await box.append(items, { userid: 'fred' });
  box.close();
}, 60_000);
afterAll(() => server.close());

async function selected(): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
  expect((await c.command('s', 'SELECT INBOX')).at(-1)).toMatch(/^s OK/);
  return c;
}

describe('a big FETCH and another session', () => {
  // Index items and the cached ENVELOPE: their responses fit in the socket's buffer, so no wait
  // for the client's reading gives the turn (as it would for a bigger response).
  for (const items of ['(FLAGS)', '(UID RFC822.SIZE)', '(ENVELOPE)']) {
    it(`answers the other session's NOOP before FETCH 1:* ${items} ends`, async () => {
      const reader = await selected();
      const other = await selected();
      try {
        const order: string[] = [];
        // Both commands leave in the same tick: the server has both before it starts either.
        reader.write(`f FETCH 1:* ${items}\r\n`);
        other.write('n NOOP\r\n');
        const fetchDone = reader.readUntil((line) => line.startsWith('f '), 30_000).then((lines) => {
          order.push('FETCH');
          return lines;
        });
        const noopDone = other.readUntil((line) => line.startsWith('n '), 30_000).then((lines) => {
          order.push('NOOP');
          return lines;
        });
        const [fetched, nooped] = await Promise.all([fetchDone, noopDone]);
        expect(nooped.at(-1)).toMatch(/^n OK/);
        expect(fetched.at(-1)).toMatch(/^f OK/);
        expect(fetched.filter((line) => / FETCH \(/.test(line))).toHaveLength(COUNT);
        expect(order).toEqual(['NOOP', 'FETCH']);
      } finally {
        reader.close();
        other.close();
      }
    }, 60_000);
  }

  it("runs the other session's NOOP between resolving FETCH 1:*'s set and loading its messages' facts", async () => {
    const reader = await selected();
    const other = await selected();
    const order: string[] = [];
    const realLoad = MessageFactsSource.load.bind(MessageFactsSource);
    const load = vi.spyOn(MessageFactsSource, 'load').mockImplementation((...args) => {
      order.push('facts');
      return realLoad(...args);
    });
    const handle = vi.spyOn(noopCommand, 'handle').mockImplementation(() => {
      order.push('NOOP');
    });
    try {
      // Both commands leave in the same tick: the server reads the FETCH first, then (in the same
      // poll of the sockets) the NOOP, unless the FETCH loads its facts before it gives a turn.
      reader.write('f FETCH 1:* (FLAGS)\r\n');
      other.write('n NOOP\r\n');
      const [fetched, nooped] = await Promise.all([reader.readUntil((line) => line.startsWith('f '), 30_000), other.readUntil((line) => line.startsWith('n '), 30_000)]);
      expect(fetched.at(-1)).toMatch(/^f OK/);
      expect(nooped.at(-1)).toMatch(/^n OK/);
      expect(order).toEqual(['NOOP', 'facts']);
    } finally {
      load.mockRestore();
      handle.mockRestore();
      reader.close();
      other.close();
    }
  }, 60_000);

  it('gives the same bytes whether or not another session interleaves, and the same as its pieces', async () => {
    const reader = await selected();
    const other = await selected();
    try {
      const alone = await reader.command('a', 'FETCH 1:* (FLAGS ENVELOPE)');
      expect(alone.at(-1)).toMatch(/^a OK/);
      const lines = alone.slice(0, -1);
      expect(lines).toHaveLength(COUNT);
      // The same FETCH while the other session's NOOPs are answered in between.
      reader.write('b FETCH 1:* (FLAGS ENVELOPE)\r\n');
      for (let i = 0; i < 5; i++) other.write(`n${i} NOOP\r\n`);
      const [busy, nooped] = await Promise.all([reader.readUntil((line) => line.startsWith('b '), 30_000), other.readUntil((line) => line.startsWith('n4 '), 30_000)]);
      expect(nooped.filter((line) => / OK/.test(line))).toHaveLength(5);
      expect(busy.slice(0, -1)).toEqual(lines);
      // Its pieces, by number and by UID (several runs of the view: one array of targets).
      const pieces = [];
      for (const set of ['1:1000', '1001:2000', '2001:*']) pieces.push(...(await reader.command('p', `FETCH ${set} (FLAGS ENVELOPE)`)).slice(0, -1));
      expect(pieces).toEqual(lines);
      const uidAll = (await reader.command('u', 'UID FETCH 1:* (UID FLAGS)')).slice(0, -1);
      const runs = (await reader.command('r', 'UID FETCH 2990:*,20:30,1:10 (UID FLAGS)')).slice(0, -1);
      const wanted = (uid: number) => uid <= 10 || (uid >= 20 && uid <= 30) || uid >= 2990;
      expect(runs).toEqual(uidAll.filter((line) => wanted(Number(/UID (\d+)/.exec(line)![1]))));
      expect(runs).toHaveLength(10 + 11 + COUNT - 2989);
    } finally {
      reader.close();
      other.close();
    }
  }, 60_000);

  it("answers the other session's NOOP before the first SELECT of a big mailbox ends", async () => {
    server.imap.deps.store.createMailbox('user.fred.cold', { acl: 'fred\tlrswipkxtecdan\t' });
    const box = server.imap.deps.store.openMailbox('user.fred.cold');
    const items = [];
    for (let i = 1; i <= 6000; i++) items.push({ content: Buffer.from(`Subject: cold ${i}\r\n\r\nbody\r\n`) });
    await box.append(items, { userid: 'fred' });
    box.close();
    const reader = await RawClient.connect(server.port);
    const other = await selected();
    try {
      expect((await reader.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
      const order: string[] = [];
      reader.write('s SELECT cold\r\n');
      other.write('n NOOP\r\n');
      const selectDone = reader.readUntil((line) => line.startsWith('s '), 30_000).then((lines) => {
        order.push('SELECT');
        return lines;
      });
      const noopDone = other.readUntil((line) => line.startsWith('n '), 30_000).then(() => order.push('NOOP'));
      const [answer] = await Promise.all([selectDone, noopDone]);
      expect(answer).toContain('* 6000 EXISTS');
      expect(answer.at(-1)).toMatch(/^s OK/);
      expect(order).toEqual(['NOOP', 'SELECT']);
    } finally {
      reader.close();
      other.close();
    }
  }, 60_000);
});
