import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LineClient, RunningMaster } from './helpers.js';
import { startHomeward, type HomewardRig, type Served } from './homeward-rig.js';

// A client in IDLE (Thunderbird and most others, nearly all the time) away from its user's home
// worker moves there in its IDLE: its tag and view go with it, the home does not say `+ idling`
// again, tells what changed since the carried view once, pushes on, and answers DONE with the tag.
describe('master: a session in IDLE moves home', () => {
  let master: RunningMaster;
  let rig: HomewardRig;
  let stop = async (): Promise<void> => undefined;

  beforeAll(async () => {
    ({ master, rig, stop } = await startHomeward(['barney', 'betty']));
  });

  afterAll(() => stop());

  const append = async (client: LineClient, tag: string, subject: string) => {
    const body = `Subject: ${subject}\r\n\r\nbody\r\n`;
    client.send(`${tag} APPEND INBOX {${body.length}+}\r\n${body}\r\n`);
    expect(await client.line(new RegExp(`^${tag} `))).toMatch(/^\S+ OK/);
  };

  /** The user's home session with one message in INBOX, and `n` sessions in IDLE on the other worker (a storm kept them there). */
  async function idlersAway(user: string, n: number): Promise<{ home: Served; idlers: Served[] }> {
    const home = await rig.connect();
    expect(await rig.command(home.client, 'a', `LOGIN ${user} pass`)).toMatch(/^a OK/);
    await append(home.client, 'b', 'first');
    await rig.stopAndFill(home.pid, user);
    const idlers: Served[] = [];
    for (let i = 0; i < n; i++) {
      const s = await rig.connect();
      expect(s.pid).not.toBe(home.pid);
      expect(await rig.command(s.client, 'a', `LOGIN ${user} pass`)).toMatch(/^a OK/);
      expect(await rig.command(s.client, 'b', 'SELECT INBOX')).toMatch(/^b OK \[READ-WRITE\]/);
      expect(s.client.received).toContain('* 1 EXISTS');
      s.client.send('d IDLE\r\n');
      expect(await s.client.line(/^\+ /)).toBe('+ idling');
      idlers.push(s);
    }
    return { home, idlers };
  }

  const movedOut = (sid: string) => master.log('session moved out', (l) => l.sid === sid, 20_000);
  const count = (client: LineClient, line: string) => client.received.filter((l) => l === line).length;

  /** Out of IDLE with the original tag, the append told exactly once, nothing refused, one `+ idling`. */
  async function doneOnce(s: Served): Promise<void> {
    expect(await s.client.line(/^d /)).toBe('d OK IDLE completed');
    expect(await rig.command(s.client, 'n', 'NOOP')).toBe('n OK NOOP completed');
    expect(count(s.client, '* 2 EXISTS')).toBe(1);
    // From `+ idling` on, the append's EXISTS and \Recent counts only: nothing told again from an older view.
    const told = s.client.received.slice(s.client.received.indexOf('+ idling') + 1);
    expect(told.filter((l) => l.startsWith('* ') && !/^\* \d+ RECENT$/.test(l))).toEqual(['* 2 EXISTS']);
    expect(s.client.received.filter((l) => l.startsWith('+'))).toEqual(['+ idling']);
    expect(s.client.received.filter((l) => / (BAD|NO) /.test(l))).toEqual([]);
    expect(await rig.command(s.client, 'u', 'UID FETCH 2 (UID)')).toMatch(/^u OK/);
    expect(s.client.received).toContain('* 2 FETCH (UID 2)');
  }

  it('moves a client in IDLE home, which then hears an append once and answers DONE with the IDLE\'s tag', async () => {
    const { home, idlers: [idler] } = await idlersAway('barney', 1);
    rig.resume(home.pid);
    const moved = await master.log('session moved in', (l) => l.sid === idler!.sid, 20_000);
    expect(moved.pid).toBe(home.pid);
    expect(moved.idle).toBe(true);
    expect(moved.selected).toBe(true);
    expect((await movedOut(idler!.sid)).pid).toBe(idler!.pid);

    // Still idling, now at home: an append by another connection is pushed at once.
    await append(home.client, 'e', 'second');
    expect(await idler!.client.line(/^\* 2 EXISTS$/)).toBe('* 2 EXISTS');
    idler!.client.send('DONE\r\n');
    await doneOnce(idler!);
  }, 90_000);

  it('honours a DONE sent during the move, and tells an append made during the move once', async () => {
    const { home, idlers } = await idlersAway('betty', 3);
    const [straddled, late, listener] = idlers as [Served, Served, Served];
    // Half a DONE before the move: the old worker reads it and carries it; the rest comes after.
    straddled.client.send('DON');
    rig.resume(home.pid);

    await movedOut(straddled.sid);
    straddled.client.send('E\r\n');
    // A whole DONE the moment the old worker let go, before the home may have taken the socket.
    await movedOut(late.sid);
    late.client.send('DONE\r\n');
    // An append the moment the third one left the old worker: it is told by the home, once.
    await movedOut(listener.sid);
    await append(home.client, 'e', 'during');

    for (const s of idlers) {
      const moved = await master.log('session moved in', (l) => l.sid === s.sid, 20_000);
      expect(moved.pid).toBe(home.pid);
      expect(moved.idle).toBe(true);
    }
    expect(await listener.client.line(/^\* 2 EXISTS$/)).toBe('* 2 EXISTS');
    listener.client.send('DONE\r\n');
    for (const s of idlers) await doneOnce(s);
  }, 90_000);
});
