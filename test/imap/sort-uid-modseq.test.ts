/**
 * SORT=UID and SORT=MODSEQ (Cyrus's SORT keys) on the wire, on a mailbox whose UID, modseq and
 * arrival orders all differ. Orders checked against Cyrus 3.6 on the same corpus and stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let c: RawClient;

// seq (= UID): internal date, body bytes
const CORPUS: Array<[string, number]> = [
  ['21-Jan-2020 10:00:00 +0000', 300],
  ['05-Jan-2020 10:00:00 +0000', 100],
  ['15-Jan-2020 10:00:00 +0000', 200],
  ['10-Jan-2020 10:00:00 +0000', 50],
];

const ok = async (client: RawClient, tag: string, command: string): Promise<string[]> => {
  const lines = await client.command(tag, command);
  expect(lines.at(-1)).toMatch(new RegExp(`^${tag} OK`));
  return lines;
};

beforeAll(async () => {
  server = await startTestServer({ users: ['sorter', 'other'] });
  c = await RawClient.connect(server.port);
  await ok(c, 'l', 'LOGIN sorter pass');
  for (const [arrival, extra] of CORPUS) {
    const body = ['Subject: s', 'From: x@example.org', '', 'x'.repeat(extra), ''].join('\r\n');
    c.write(`ap APPEND INBOX "${arrival}" {${body.length}+}\r\n${body}\r\n`);
    expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
  }
  await ok(c, 's', 'SELECT INBOX');
  // modseq order after these: 4 (appended last, never changed), 2, 1, 3.
  await ok(c, 'f1', 'STORE 2 +FLAGS (\\Flagged)');
  await ok(c, 'f2', 'STORE 1 +FLAGS (\\Seen)');
  await ok(c, 'f3', 'STORE 3 +FLAGS (\\Seen)');
});
afterAll(async () => {
  c.close();
  await server.close();
});

const sorted = async (client: RawClient, keys: string, criteria = 'ALL', uid = false): Promise<string[]> => {
  const lines = await ok(client, 't', `${uid ? 'UID ' : ''}SORT (${keys}) UTF-8 ${criteria}`);
  return lines.slice(0, -1);
};

describe('SORT=UID and SORT=MODSEQ', () => {
  it('are advertised', async () => {
    const caps = (await ok(c, 'c', 'CAPABILITY'))[0]!;
    expect(caps).toMatch(/ SORT=MODSEQ( |$)/);
    expect(caps).toMatch(/ SORT=UID( |$)/);
  });

  it('orders by UID, modseq and arrival differently (as Cyrus does)', async () => {
    const CASES: Array<[string, string]> = [
      ['UID', '* SORT 1 2 3 4'],
      ['REVERSE UID', '* SORT 4 3 2 1'],
      ['MODSEQ', '* SORT 4 2 1 3'],
      ['REVERSE MODSEQ', '* SORT 3 1 2 4'],
      ['ARRIVAL', '* SORT 2 4 3 1'],
      ['MODSEQ REVERSE ARRIVAL', '* SORT 4 2 1 3'],
    ];
    for (const [keys, expected] of CASES) expect([keys, await sorted(c, keys)]).toEqual([keys, [expected]]);
    expect(await sorted(c, 'REVERSE MODSEQ', 'UID 2:4', true)).toEqual(['* SORT 3 2 4']);
  });

  it('follows a STORE at once: the changed message sorts last', async () => {
    await ok(c, 'f4', 'STORE 4 +FLAGS (\\Answered)');
    expect(await sorted(c, 'MODSEQ')).toEqual(['* SORT 2 1 3 4']);
    expect(await sorted(c, 'REVERSE MODSEQ')).toEqual(['* SORT 4 3 1 2']);
    await ok(c, 'f5', 'STORE 2 -FLAGS (\\Flagged)');
    expect(await sorted(c, 'MODSEQ')).toEqual(['* SORT 1 3 4 2']);
  });

  it('does not turn CONDSTORE on; a MODSEQ search key still does and adds its MODSEQ', async () => {
    const d = await RawClient.connect(server.port);
    await ok(d, 'l', 'LOGIN sorter pass');
    await ok(d, 's', 'SELECT INBOX');
    expect(await sorted(d, 'MODSEQ')).toEqual(['* SORT 1 3 4 2']);
    // Without CONDSTORE on, a FETCH FLAGS carries no MODSEQ.
    expect((await ok(d, 'n', 'FETCH 1 (FLAGS)'))[0]).toBe('* 1 FETCH (FLAGS (\\Seen))');
    const highest = /HIGHESTMODSEQ (\d+)/.exec((await ok(d, 'st', 'STATUS INBOX (HIGHESTMODSEQ)'))[0]!)![1];
    expect(await sorted(d, 'REVERSE MODSEQ', 'MODSEQ 1')).toEqual([`* SORT 2 4 3 1 (MODSEQ ${highest})`]);
    d.close();
  });

  it('ties keep sequence-number order, under REVERSE too', async () => {
    const e = await RawClient.connect(server.port);
    await ok(e, 'l', 'LOGIN other pass');
    await ok(e, 'cr', 'CREATE ties');
    for (let i = 0; i < 3; i++) {
      const body = `Subject: t${i}\r\n\r\nbody\r\n`;
      e.write(`ap APPEND ties {${body.length}+}\r\n${body}\r\n`);
      expect((await e.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
    }
    await ok(e, 's', 'SELECT ties');
    await ok(e, 'en', 'ENABLE CONDSTORE');
    // One STORE gives both messages one modseq (Cyrus gives each its own): a tie between 1 and 3.
    const changed = await ok(e, 'st', 'STORE 1,3 +FLAGS (\\Seen)');
    const modseqs = changed.slice(0, -1).map((l) => /MODSEQ \((\d+)\)/.exec(l)![1]);
    expect(modseqs[0]).toBe(modseqs[1]);
    expect(await sorted(e, 'MODSEQ')).toEqual(['* SORT 2 1 3']);
    expect(await sorted(e, 'REVERSE MODSEQ')).toEqual(['* SORT 1 3 2']);
    expect(await sorted(e, 'REVERSE MODSEQ REVERSE UID')).toEqual(['* SORT 3 1 2']);
    e.close();
  });

  it('ESORT and an updating SORT by MODSEQ: a message whose flags change moves (RFC 5267 4.2)', async () => {
    const g = await RawClient.connect(server.port);
    await ok(g, 'l', 'LOGIN sorter pass');
    await ok(g, 's', 'SELECT INBOX');
    expect(await ok(g, 'e', 'SORT RETURN (MIN MAX COUNT ALL) (MODSEQ) UTF-8 ALL')).toEqual([
      '* ESEARCH (TAG "e") MIN 1 MAX 2 COUNT 4 ALL 1,3:4,2', 'e OK SORT completed',
    ]);
    expect((await ok(g, 'u', 'UID SORT RETURN (ALL UPDATE) (MODSEQ) UTF-8 ALL'))[0]).toBe('* ESEARCH (TAG "u") UID ALL 1,3:4,2');
    const lines = await ok(g, 'st', 'UID STORE 3 +FLAGS (\\Draft)');
    // 3 leaves its place (position 2) and joins again at the end (position 4).
    expect(lines.filter((l) => l.includes('ESEARCH'))).toEqual([
      '* ESEARCH (TAG "u") UID REMOVEFROM (2 3)',
      '* ESEARCH (TAG "u") UID ADDTO (4 3)',
    ]);
    g.close();
  });
});
