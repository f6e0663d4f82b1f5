/**
 * imapflow with `qresync: true` in a reconnect loop (RFC 7162): between sessions another client
 * changes flags, expunges and appends; each reconnect's SELECT (QRESYNC ...) brings the client's
 * cache level with the server, and only the changed messages come as FETCH responses.
 */
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ users: ['wilma'] });
}, 60_000);
afterAll(async () => {
  await server.close();
});

interface Cache {
  uidValidity: bigint;
  highestModseq: bigint;
  flags: Map<number, string[]>;
}

const visible = (flags: Iterable<string>): string[] => [...flags].filter((f) => f !== '\\Recent').sort();

/** The server's truth, read by a plain client: UID → flags. */
async function serverState(c: RawClient): Promise<Map<number, string[]>> {
  const lines = await c.command('t', 'UID FETCH 1:* (FLAGS)');
  const out = new Map<number, string[]>();
  for (const line of lines) {
    const m = /^\* \d+ FETCH \(UID (\d+) FLAGS \(([^)]*)\)\)$/.exec(line);
    if (m) out.set(Number(m[1]), visible(m[2] === '' ? [] : m[2]!.split(' ')));
  }
  return out;
}

/** One client session: open INBOX (resynchronising when there is a cache) and return what came as FETCH. */
async function session(cache: Cache | null): Promise<{ cache: Cache; fetches: number; vanished: number }> {
  const client = new ImapFlow({ host: server.host, port: server.port, secure: false, auth: { user: 'wilma', pass: 'pass' }, logger: false, qresync: true });
  let fetches = 0;
  let vanished = 0;
  const flags = new Map(cache?.flags ?? []);
  client.on('flags', (event: { uid?: number; flags: Set<string> }) => {
    fetches++;
    flags.set(event.uid!, visible(event.flags));
  });
  client.on('expunge', (event: { uid?: number; vanished: boolean }) => {
    expect(event.vanished).toBe(true);
    vanished++;
    flags.delete(event.uid!);
  });
  await client.connect();
  try {
    expect(client.enabled.has('QRESYNC')).toBe(true);
    const opened = cache
      ? await client.mailboxOpen('INBOX', { changedSince: cache.highestModseq, uidValidity: cache.uidValidity } as never)
      : await client.mailboxOpen('INBOX');
    if (!cache) {
      for await (const message of client.fetch('1:*', { uid: true, flags: true })) {
        fetches++;
        flags.set(message.uid, visible(message.flags ?? []));
      }
    }
    expect((opened as { qresync?: boolean }).qresync ?? false).toBe(cache !== null);
    return { cache: { uidValidity: opened.uidValidity, highestModseq: opened.highestModseq!, flags }, fetches, vanished };
  } finally {
    await client.logout();
  }
}

async function append(c: RawClient, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const body = `Subject: r${i}\r\n\r\nbody\r\n`;
    c.write(`ap APPEND INBOX {${body.length}+}\r\n${body}\r\n`);
    expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
  }
}

describe('imapflow QRESYNC reconnect loop', () => {
  it('keeps the client cache equal to the server with no full refetch', async () => {
    const other = await RawClient.connect(server.port);
    expect((await other.command('l', 'LOGIN wilma pass')).at(-1)).toMatch(/^l OK/);
    await append(other, 20);
    await other.command('s', 'SELECT INBOX');

    let { cache, fetches } = await session(null);
    expect(fetches).toBe(20);
    expect(cache.flags).toEqual(await serverState(other));

    const rounds: Array<{ change: () => Promise<void>; changed: number; gone: number }> = [
      { change: async () => void (await other.command('a', 'UID STORE 3,7 +FLAGS.SILENT (\\Flagged $Work)')), changed: 2, gone: 0 },
      {
        change: async () => {
          await other.command('b', 'UID STORE 1,2,9 +FLAGS.SILENT (\\Deleted)');
          await other.command('x', 'EXPUNGE');
        },
        // The \Deleted flag was set and expunged within the gap: only VANISHED.
        changed: 0, gone: 3,
      },
      {
        change: async () => {
          await append(other, 4);
          await other.command('c', 'UID STORE 5 -FLAGS.SILENT (\\Seen)');
          await other.command('d', 'UID STORE 5 +FLAGS.SILENT (\\Seen \\Answered)');
        },
        changed: 5, gone: 0,
      },
      { change: async () => undefined, changed: 0, gone: 0 },
      {
        change: async () => {
          await other.command('e', 'UID STORE 3 -FLAGS.SILENT ($Work)');
          await other.command('f', 'UID STORE 21,22 +FLAGS.SILENT (\\Deleted)');
          await other.command('y', 'EXPUNGE');
          await append(other, 1);
        },
        changed: 2, gone: 2,
      },
    ];
    for (const round of rounds) {
      await round.change();
      const result = await session(cache);
      cache = result.cache;
      expect({ fetches: result.fetches, vanished: result.vanished }).toEqual({ fetches: round.changed, vanished: round.gone });
      expect(cache.flags).toEqual(await serverState(other));
    }
    other.close();
  });
});
