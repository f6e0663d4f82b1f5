// mbtool (Cyrus's mbtool(8)): -t sets each internal date that is a day or more away from the
// message's Date: header to that date, and only those (no Date: header, or within a day: kept);
// one new modseq on the changed records, sessions told; SORT orders kept in the process are read
// again. Names and patterns as the other tools take them; a name that matches nothing changes
// nothing. -r is refused. A selected IMAP client sees the change at its next NOOP.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { datesToMend, runMbtool, type MbtoolOptions } from '../../src/tools/mbtool.js';
import { RawClient, startTestServer, type TestServer } from '../imap/harness.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';

const BIN = fileURLToPath(new URL('../../dist/bin/cyrusts.js', import.meta.url));
const DAY = 86_400_000;

let env: TestEnv | null = null;
let server: TestServer | null = null;
afterEach(async () => {
  env?.cleanup();
  env = null;
  await server?.close();
  server = null;
});

function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

function run(args: string[], opts: Partial<MbtoolOptions>): { status: number; out: string; err: string; changed: string[] } {
  let out = '';
  let err = '';
  const changed: string[] = [];
  const status = runMbtool(args, { config: env!.configFile, notifier: { mailboxChanged: (n) => changed.push(n) }, ...opts }, (t) => (out += t), (t) => (err += t));
  return { status, out, err, changed };
}

describe('which dates -t mends', () => {
  const t0 = Date.UTC(2020, 0, 1);
  it.each([
    ['a year off', t0 + 365 * DAY, t0, t0],
    ['a day and a second early', t0 - DAY - 1000, t0, t0],
    ['exactly a day (as Cyrus: not under a day)', t0 + DAY, t0, t0],
    ['a second under a day', t0 + DAY - 1000, t0, undefined],
    ['the same', t0, t0, undefined],
    ['no Date: header', t0 + 365 * DAY, undefined, undefined],
  ])('%s', (_name, internal, header, expected) => {
    const headers = new Map<number, number>(header === undefined ? [] : [[7, header]]);
    expect(datesToMend(new Map([[7, internal]]), headers).get(7)).toBe(expected);
  });
});

/** A message with `date` as its Date: header (none when null). */
const message = (subject: string, date: string | null) => Buffer.from(`${date === null ? '' : `Date: ${date}\r\n`}Subject: ${subject}\r\n\r\nbody\r\n`);
const RESTORED = new Date(Date.UTC(2026, 11, 1, 12, 0, 0));

/**
 * user.fred: 1 Date 2020-01-01 (internal: the restore), 2 Date within hours of its internal date,
 * 3 no Date:, 4 Date in -0500 (internal: the restore). shared.lists: 1 like fred's 1.
 */
async function fill(): Promise<MailStore> {
  env = makeEnv('fsync_disabled: yes\nunixhierarchysep: yes');
  const store = env.open();
  store.createMailbox('user.fred');
  store.createMailbox('shared');
  store.createMailbox('shared.lists');
  const fred = store.openMailbox('user.fred');
  await fred.append([
    { content: message('one', 'Wed, 01 Jan 2020 10:00:00 +0000'), internalDate: RESTORED },
    { content: message('two', 'Sat, 01 Feb 2020 10:00:00 +0000'), internalDate: new Date(Date.UTC(2020, 1, 1, 20, 0, 0)) },
    { content: message('three', null), internalDate: RESTORED },
    { content: message('four', 'Tue, 08 Jul 2014 16:45:18 -0500'), internalDate: RESTORED },
  ]);
  fred.close();
  const lists = store.openMailbox('shared.lists');
  await lists.append([{ content: message('one', 'Wed, 01 Jan 2020 10:00:00 +0000'), internalDate: RESTORED }]);
  lists.close();
  return store;
}

function dates(store: MailStore, name: string): number[] {
  const box = store.openMailbox(name);
  try {
    return [...box.snapshot().internalDates];
  } finally {
    box.close();
  }
}

function highestModseq(store: MailStore, name: string): number {
  const box = store.openMailbox(name);
  try {
    return box.status().highestModseq;
  } finally {
    box.close();
  }
}

describe('mbtool -t over a data directory', () => {
  it('sets the dates that are off to the Date: header, keeps the others, one modseq, the mailbox told', async () => {
    const store = await fill();
    const before = highestModseq(store, 'user.fred');
    const result = run(['user/fred'], { time: true });
    expect(result.err).toBe('');
    expect(result.status).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[0]).toBe('Working on user/fred...');
    expect(lines.slice(1).filter((l) => l !== '').map((l) => l.split(':')[0])).toEqual(['  1', '  4']);
    expect(result.out).toMatch(/ {2}1: \w{3}, \d\d \w{3} 2026 .* => \w{3}, \d\d \w{3} 20\d\d /);
    expect(dates(store, 'user.fred')).toEqual([Date.UTC(2020, 0, 1, 10), Date.UTC(2020, 1, 1, 20), RESTORED.getTime(), Date.UTC(2014, 6, 8, 21, 45, 18)]);
    expect(dates(store, 'shared.lists')).toEqual([RESTORED.getTime()]);
    expect(result.changed).toEqual(['user.fred']);
    const box = store.openMailbox('user.fred');
    try {
      expect(box.status().highestModseq).toBe(before + 1);
      expect(box.changesSince(before).records.map((r) => [r.uid, r.modseq, r.internalDate.getTime()])).toEqual([
        [1, before + 1, Date.UTC(2020, 0, 1, 10)],
        [4, before + 1, Date.UTC(2014, 6, 8, 21, 45, 18)],
      ]);
    } finally {
      box.close();
    }
    // Run again: nothing left to mend, nothing changes.
    const again = run(['user.fred'], { time: true });
    expect(again.out).toBe('Working on user/fred...\n');
    expect(again.changed).toEqual([]);
    expect(highestModseq(store, 'user.fred')).toBe(before + 1);
  });

  it('takes patterns and either separator', async () => {
    const store = await fill();
    const result = run(['shared/*', 'user.%'], { time: true });
    expect(result.status).toBe(0);
    expect(result.out.split('\n').filter((l) => l.startsWith('Working'))).toEqual(['Working on shared/lists...', 'Working on user/fred...']);
    expect(dates(store, 'shared.lists')).toEqual([Date.UTC(2020, 0, 1, 10)]);
    expect(dates(store, 'user.fred')[0]).toBe(Date.UTC(2020, 0, 1, 10));
  });

  it('a name that names no mailbox: an error, and nothing changes even in those named before it', async () => {
    const store = await fill();
    const result = run(['user/fred', 'user/nobody'], { time: true });
    expect(result.status).toBe(65);
    expect(result.err).toContain('user/nobody: no such mailbox');
    expect(result.out).toBe('');
    expect(dates(store, 'user.fred')[0]).toBe(RESTORED.getTime());
    expect(run(['nothing/*'], { time: true }).status).toBe(65);
  });

  it('-r is refused and says why; no action, or both, is a usage error', async () => {
    const store = await fill();
    const uniqueId = store.lookup('user.fred')!.uniqueId;
    const reid = run(['user/fred'], { reid: true });
    expect(reid.status).toBe(65);
    expect(reid.err).toContain('-r is not offered');
    expect(store.lookup('user.fred')!.uniqueId).toBe(uniqueId);
    expect(run(['user/fred'], {}).status).toBe(64);
    expect(run(['user/fred'], { time: true, reid: true }).status).toBe(64);
    expect(run([], { time: true }).status).toBe(64);
  });

  it('shows progress on a terminal only, wiped before its lines and at the end', async () => {
    await fill();
    const writes: string[] = [];
    const tty = { isTTY: true, write: (t: string) => writes.push(t) };
    expect(run(['*'], { time: true, progress: tty }).status).toBe(0);
    expect(writes[0]).toBe('\rmbtool: mailboxes: 0/3\x1b[K');
    expect(writes.at(-1)).toBe('\r\x1b[K');
    const piped: string[] = [];
    expect(run(['*'], { time: true, progress: { isTTY: false, write: (t: string) => piped.push(t) } }).status).toBe(0);
    expect(piped).toEqual([]);
  });

  it('a SORT ARRIVAL order kept in the process is read again after the dates change', async () => {
    env = makeEnv('fsync_disabled: yes');
    const store = env.open();
    store.createMailbox('shared');
    const box = store.openMailbox('shared');
    // Enough messages for the order to be kept (ORDER_CACHE_FROM); arrival follows the UIDs.
    const base = Date.UTC(2026, 0, 1);
    const items = Array.from({ length: 1000 }, (_, i) => ({ content: message(`m${i}`, null), internalDate: new Date(base + i * 60_000) }));
    await box.append(items);
    const arrival = [{ key: 'arrival' as const, reverse: false }];
    expect(box.fields.sortedUids(arrival)[0]).toBe(1);
    // Another handle (as another process would) moves UID 1000 before all the others.
    const other = env.open();
    const writer = other.openMailbox('shared');
    writer.setInternalDates(new Map([[1000, base - DAY]]));
    writer.close();
    const order = box.fields.sortedUids(arrival);
    expect(order[0]).toBe(1000);
    expect(order[1]).toBe(1);
    box.close();
  });
});

describe('mbtool, the built program, with a client selected', () => {
  it('INTERNALDATE shows the header date for the messages that were off, the others unchanged; NOOP tells the selected client', async () => {
    server = await startTestServer({ notify: true, conf: ['unixhierarchysep: yes'] });
    server.imap.deps.limits.idlePollMs = 3_600_000;
    const c = await RawClient.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    const appends: Array<[string, string | null, string]> = [
      ['b1', 'Wed, 01 Jan 2020 10:00:00 +0000', '01-Dec-2026 12:00:00 +0000'],
      ['b2', 'Sat, 01 Feb 2020 10:00:00 +0000', '01-Feb-2020 20:00:00 +0000'],
      ['b3', null, '01-Dec-2026 12:00:00 +0000'],
      ['b4', 'Tue, 08 Jul 2014 16:45:18 -0500', '01-Dec-2026 12:00:00 +0000'],
    ];
    for (const [tag, date, internal] of appends) {
      const text = `${date === null ? '' : `Date: ${date}\r\n`}Subject: ${tag}\r\n\r\nbody\r\n`;
      c.write(`${tag} APPEND INBOX () "${internal}" {${text.length}+}\r\n${text}\r\n`);
      expect((await c.readUntil((l) => l.startsWith(`${tag} `))).at(-1)).toMatch(/OK/);
    }
    const selected = await c.command('c', 'SELECT INBOX (CONDSTORE)');
    const modseq = Number(/HIGHESTMODSEQ (\d+)/.exec(selected.join('\n'))![1]);
    const internalDates = async (tag: string): Promise<number[]> => {
      const lines = (await c.command(tag, 'FETCH 1:* (INTERNALDATE)')).filter((l) => /^\* \d+ FETCH /.test(l));
      return lines.map((l) => parseImapDate(/INTERNALDATE "([^"]+)"/.exec(l)![1]!));
    };
    expect(await internalDates('d')).toEqual([Date.UTC(2026, 11, 1, 12), Date.UTC(2020, 1, 1, 20), Date.UTC(2026, 11, 1, 12), Date.UTC(2026, 11, 1, 12)]);

    const result = await cli(['mbtool', '-C', join(server.dir, 'imapd.conf'), '-t', 'user/fred']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.startsWith('Working on user/fred...\n  1: ')).toBe(true);

    // The selected client's next NOOP: the two rewritten records, as Cyrus tells a rewritten record.
    const noop = await c.command('e', 'NOOP');
    expect(noop.filter((l) => /^\* \d+ FETCH /.test(l))).toEqual([`* 1 FETCH (UID 1 FLAGS (\\Recent) MODSEQ (${modseq + 1}))`, `* 4 FETCH (UID 4 FLAGS (\\Recent) MODSEQ (${modseq + 1}))`]);
    expect(await internalDates('f')).toEqual([Date.UTC(2020, 0, 1, 10), Date.UTC(2020, 1, 1, 20), Date.UTC(2026, 11, 1, 12), Date.UTC(2014, 6, 8, 21, 45, 18)]);
    const changed = await c.command('g', `UID FETCH 1:* (INTERNALDATE) (CHANGEDSINCE ${modseq})`);
    expect(changed.filter((l) => l.startsWith('* ')).map((l) => /UID (\d+)/.exec(l)![1])).toEqual(['1', '4']);
    c.close();
  });
});

/** An IMAP date-time ("01-Jan-2020 10:00:00 +0000") as ms since the epoch. */
function parseImapDate(text: string): number {
  const m = /^ ?(\d{1,2})-(\w{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(text)!;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].indexOf(m[2]!);
  const zone = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  return Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - zone * 60_000;
}
