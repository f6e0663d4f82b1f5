import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LineClient, RunningMaster } from './helpers.js';
import { startHomeward, type HomewardRig, type Served } from './homeward-rig.js';

// Sessions asked to move home at moments the asks of homeward.test.ts do not reach: a slow reader
// in the middle of a long answer (it moves when the FETCH has ended and its output was written; the
// wait for output queued after the command ended is test/imap/move-when-written.test.ts), and IDLE
// with no mailbox selected.
describe('master: a slow reader, and IDLE in the authenticated state, move home', () => {
  let master: RunningMaster;
  let rig: HomewardRig;
  let stop = async (): Promise<void> => undefined;

  beforeAll(async () => {
    ({ master, rig, stop } = await startHomeward(['pebbles', 'bamm']));
  });

  afterAll(() => stop());

  /** `user`'s home session, and one on the other worker (a storm kept it there), logged in. */
  async function awayFromHome(user: string): Promise<{ home: Served; away: Served }> {
    const home = await rig.connect();
    expect(await rig.command(home.client, 'a', `LOGIN ${user} pass`)).toMatch(/^a OK/);
    return { home, away: await stranded(home, user) };
  }

  async function stranded(home: Served, user: string): Promise<Served> {
    await rig.stopAndFill(home.pid, user);
    const away = await rig.connect();
    expect(away.pid).not.toBe(home.pid);
    expect(await rig.command(away.client, 'a', `LOGIN ${user} pass`)).toMatch(/^a OK/);
    return away;
  }

  const asked = (user: string) => master.log('asked to move home', (l) => l.user === user, 20_000);
  const gaveUp = (sid: string) => master.logs.filter((l) => l.sid === sid && typeof l.msg === 'string' && l.msg.startsWith('not moved home'));

  it('moves a slow reader asked during a long FETCH home on that ask, its data whole and in order', async () => {
    const home = await rig.connect();
    expect(await rig.command(home.client, 'a', 'LOGIN pebbles pass')).toMatch(/^a OK/);
    // A message far larger than what the kernel buffers of a loopback connection hold.
    const lines = Array.from({ length: 150_000 }, (_, i) => `L${String(i).padStart(7, '0')} ${'x'.repeat(68)}`);
    const body = `Subject: big\r\n\r\n${lines.join('\r\n')}\r\n`;
    home.client.send(`b APPEND INBOX {${body.length}}\r\n`);
    await home.client.line(/^\+ /);
    home.client.send(`${body}\r\n`);
    expect(await home.client.line(/^b /)).toMatch(/^b OK/);

    const away = await stranded(home, 'pebbles');
    expect(await rig.command(away.client, 's', 'SELECT INBOX')).toMatch(/^s OK/);
    // The FETCH's answer is not read until the master asked this session to move.
    away.client.socket.pause();
    away.client.send('f FETCH 1 BODY[]\r\n');
    await master.log('command', (l) => l.sid === away.sid && l.tag === 'f', 20_000);
    rig.resume(home.pid);
    await asked('pebbles');
    await slowlyRead(away.client);
    expect(await away.client.line(/^f /, 60_000)).toBe('f OK FETCH completed');

    const moved = await master.log('session moved in', (l) => l.sid === away.sid, 20_000);
    expect(moved.pid).toBe(home.pid);
    // Moved on this ask: it did not wait out the ask's time limit, nor move on a later ask.
    expect(gaveUp(away.sid)).toEqual([]);
    const start = away.client.received.findIndex((l) => l.startsWith('* 1 FETCH (') && l.endsWith(` BODY[] {${body.length}}`));
    expect(start).toBeGreaterThan(0);
    const got = away.client.received.slice(start + 3, start + 3 + lines.length);
    expect(got.length).toBe(lines.length);
    expect(got.every((l, i) => l === lines[i])).toBe(true);
    expect(away.client.received[start + 3 + lines.length]).toBe(')');
    expect(await rig.command(away.client, 'n', 'FETCH 1 (RFC822.SIZE)')).toBe('n OK FETCH completed');
    expect(away.client.received).toContain(`* 1 FETCH (RFC822.SIZE ${body.length})`);
  }, 120_000);

  it('moves a session in IDLE with no mailbox selected home: no second `+ idling`, DONE answered there with the tag', async () => {
    const { home, away } = await awayFromHome('bamm');
    away.client.send('d IDLE\r\n');
    expect(await away.client.line(/^\+ /)).toBe('+ idling');
    rig.resume(home.pid);
    const moved = await master.log('session moved in', (l) => l.sid === away.sid, 20_000);
    expect(moved.pid).toBe(home.pid);
    expect(moved.idle).toBe(true);
    expect(moved.selected).toBeUndefined();
    expect((await master.log('session moved out', (l) => l.sid === away.sid, 20_000)).pid).toBe(away.pid);
    away.client.send('DONE\r\n');
    expect(await away.client.line(/^d /)).toBe('d OK IDLE completed');
    expect(away.client.received.filter((l) => l.startsWith('+'))).toEqual(['+ idling']);
    expect(away.client.received.filter((l) => / (BAD|NO) /.test(l))).toEqual([]);
    // Served by the home from now on, still authenticated with no mailbox selected.
    expect(await rig.command(away.client, 'e', 'SELECT INBOX')).toMatch(/^e OK/);
    expect(gaveUp(away.sid)).toEqual([]);
  }, 90_000);
});

/** Read the rest of what `client` is sent a chunk at a time, with a pause after each (a slow reader), until its tagged answer `f` came. */
async function slowlyRead(client: LineClient): Promise<void> {
  const socket = client.socket;
  const onData = () => {
    socket.pause();
    setTimeout(() => socket.resume(), 2);
  };
  socket.on('data', onData);
  socket.resume();
  await client.line(/^f /, 60_000);
  socket.off('data', onData);
  socket.resume();
}
