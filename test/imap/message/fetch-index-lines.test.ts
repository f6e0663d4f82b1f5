// FETCH of index items only (UID FLAGS MODSEQ INTERNALDATE RFC822.SIZE) has its own path that
// writes the lines as bytes from the snapshot columns (fetch/index-lines.ts): its lines must be the
// general serializer's, for many messages (snapshot) and few (records), with keywords, \Seen,
// \Recent, an expunge not yet announced and CHANGEDSINCE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../harness.js';
import { PLAIN, appendTo, fredIn, startWithMessages } from './fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startWithMessages();
  const items = [];
  for (let i = 0; i < 150; i++) {
    items.push({ content: PLAIN, internalDate: new Date(2024, 2, 1 + (i % 28), 9, i % 60), flags: i % 3 === 0 ? ['\\Seen'] : i % 5 === 0 ? ['\\Flagged', '$Work', 'Later'] : [] });
  }
  await appendTo(server, 'user.fred', items);
}, 60_000);
afterAll(async () => {
  await server.close();
});

const ITEMS = 'UID FLAGS MODSEQ INTERNALDATE RFC822.SIZE';

/**
 * The FETCH lines of `items`, and the same lines from the general path: the items plus
 * BINARY.SIZE[1], which the line writer does not answer (ENVELOPE is one of its items), cut off again.
 */
async function both(set: string, items: string, extra = ''): Promise<[string[], string[]]> {
  const c = await fredIn(server);
  const fast = await c.command('a', `UID FETCH ${set} (${items})${extra}`);
  const general = await c.command('b', `UID FETCH ${set} (${items} BINARY.SIZE[1])${extra}`);
  c.close();
  expect(general.filter((line) => line.includes(' BINARY.SIZE[1] ')).length).toBe(general.length - 1);
  return [fast, general.map((line) => line.replace(/ BINARY\.SIZE\[1\] \d+/, ''))];
}

describe('FETCH of index items only', () => {
  it('gives the general serializer\'s lines for many messages, with keywords and \\Recent', async () => {
    const [fast, general] = await both('1:*', ITEMS);
    expect(fast.length).toBe(154);
    expect(fast.slice(0, -1)).toEqual(general.slice(0, -1));
    expect(fast.some((l) => l.includes('\\Recent'))).toBe(true);
    expect(fast.some((l) => /FLAGS \(\\Flagged \$Work Later( \\Recent)?\)/.test(l))).toBe(true);
    expect(fast.at(-1)).toBe('a OK FETCH completed');
  });

  it('in any item order, for a few messages, and with CHANGEDSINCE', async () => {
    for (const items of ['FLAGS UID', 'RFC822.SIZE UID', 'INTERNALDATE MODSEQ FLAGS']) {
      const [fast, general] = await both('1:*', items);
      expect(fast.slice(0, -1)).toEqual(general.slice(0, -1));
      const [few, fewGeneral] = await both('2,5', items);
      expect(few.length).toBe(3);
      expect(few.slice(0, -1)).toEqual(fewGeneral.slice(0, -1));
    }
    const c = await fredIn(server);
    const status = (await c.command('s', 'STATUS INBOX (HIGHESTMODSEQ)')).join(' ');
    const modseq = Number(/HIGHESTMODSEQ (\d+)/.exec(status)![1]);
    await c.command('t', 'UID STORE 7,100 +FLAGS.SILENT (Later)');
    c.close();
    const [fast, general] = await both('1:*', 'UID FLAGS', ` (CHANGEDSINCE ${modseq})`);
    expect(fast.length).toBe(3);
    expect(fast.slice(0, -1)).toEqual(general.slice(0, -1));
    expect(fast[0]).toMatch(/^\* 7 FETCH \(UID 7 FLAGS \(.*Later.*\) MODSEQ \(\d+\)\)$/);
  });

  it('answers EXPUNGEISSUED for a message expunged by another session', async () => {
    const c = await fredIn(server);
    const other = await fredIn(server);
    await other.command('x1', 'UID STORE 10 +FLAGS.SILENT (\\Deleted)');
    await other.command('x2', 'UID EXPUNGE 10');
    const lines = await c.command('f', `FETCH 1:* (${ITEMS})`);
    expect(lines.at(-1)).toBe('f OK [EXPUNGEISSUED] Some of the requested messages no longer exist');
    expect(lines.filter((l) => / FETCH \(/.test(l)).length).toBe(152);
    expect(lines.some((l) => l.includes('UID 10 '))).toBe(false);
    c.close();
    other.close();
  });

  it('renders each distinct keyword list once per FETCH, and a STORE elsewhere shows in the next', async () => {
    // keyword lists that differ in order, in system flags and in \Recent, and lists without keywords
    // with \Recent (these new messages) and without it (the older ones), many messages each
    const lists = [[], ['\\Seen'], ['$A'], ['$A', '$B'], ['$B', '$A'], ['\\Seen', '$A'], ['\\Answered', '$A', '$B'], ['$Work', 'Later']];
    await appendTo(server, 'user.fred', Array.from({ length: 120 }, (_, i) => ({ content: PLAIN, flags: lists[i % lists.length]! })));
    const [fast, general] = await both('1:*', 'UID FLAGS');
    expect(fast.slice(0, -1)).toEqual(general.slice(0, -1));
    expect(fast.some((l) => / FLAGS \(\$B \$A( \\Recent)?\)\)$/.test(l))).toBe(true);
    expect(fast.some((l) => / FLAGS \(\\Answered \$A \$B( \\Recent)?\)\)$/.test(l))).toBe(true);
    expect(fast.some((l) => / FLAGS \(\\Seen \\Recent\)\)$/.test(l)) && fast.some((l) => / FLAGS \(\\Seen\)\)$/.test(l))).toBe(true);
    const c = await fredIn(server);
    const other = await fredIn(server);
    const before = await c.command('a', 'UID FETCH 1:* (UID FLAGS)');
    const line = before.find((l) => / FLAGS \(\$A \$B/.test(l))!;
    const uid = Number(/UID (\d+)/.exec(line)![1]);
    await other.command('x', `UID STORE ${uid} +FLAGS.SILENT ($C \\Flagged)`);
    const after = await c.command('b', 'UID FETCH 1:* (UID FLAGS)');
    const changed = after.find((l) => l.includes(`(UID ${uid} FLAGS`))!;
    expect(changed).toMatch(/FLAGS \(\\Flagged \$A \$B \$C( \\Recent)?\)/);
    // the other messages with the same list as before are unchanged
    expect(after.filter((l) => / FLAGS \(\$A \$B( \\Recent)?\)\)$/.test(l)).length).toBe(before.filter((l) => / FLAGS \(\$A \$B( \\Recent)?\)\)$/.test(l)).length - 1);
    c.close();
    other.close();
    const [fast2, general2] = await both('1:*', 'UID FLAGS');
    expect(fast2.slice(0, -1)).toEqual(general2.slice(0, -1));
  });
});
