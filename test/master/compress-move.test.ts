import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompressClient } from '../imap/compress-client.js';
import type { RunningMaster } from './helpers.js';
import { startHomeward, type HomewardRig } from './homeward-rig.js';

// COMPRESS=DEFLATE (RFC 4978) and the moves of issue 16: a compressed connection's zlib state cannot
// go to another worker with its socket. A move decided at LOGIN goes with the login's answer, before
// a COMPRESS sent behind the LOGIN runs (it then runs on the home); a session compressed away from
// home stays where it is when the master asks it to move, and goes on working.
describe('master: compressed sessions and moves home', () => {
  let master: RunningMaster;
  let rig: HomewardRig;
  let stop = async (): Promise<void> => undefined;
  const open: CompressClient[] = [];
  let nextHost = 200;

  beforeAll(async () => {
    ({ master, rig, stop } = await startHomeward(['fred', 'slate']));
  });

  afterAll(async () => {
    for (const c of open) c.close();
    await stop();
  });

  const opened = () => master.logs.filter((l) => l.msg === 'connection opened');

  /** A compressing client on worker `pid` (or, with `not`, on another), from a fresh address. */
  async function compressingOn(pid: number, not: boolean): Promise<{ client: CompressClient; pid: number; sid: string }> {
    const [host, port] = (await master.address('imap')).split(':') as [string, string];
    for (let i = 0; i < 20; i++) {
      const before = opened().length;
      const client = await CompressClient.connect(Number(port), host, `127.0.1.${nextHost++}`);
      open.push(client);
      const line = await master.waitFor('its opening logged', () => opened()[before]);
      if ((line.pid === pid) !== not) return { client, pid: line.pid as number, sid: line.sid as string };
    }
    throw new Error('the master never gave a connection to that worker');
  }

  it('moves a login home before the COMPRESS pipelined behind it, which the home then runs', async () => {
    const home = await rig.connect();
    expect(await rig.command(home.client, 'a', 'LOGIN fred pass')).toMatch(/^a OK/);
    const away = await compressingOn(home.pid, true);
    // LOGIN and COMPRESS in one write: the move is decided at the LOGIN, the COMPRESS read with it.
    expect(await away.client.startCompression('b', undefined, 'a LOGIN fred pass\r\n')).toBe('b OK DEFLATE active');
    const moved = await master.log('session moved in', (l) => l.sid === away.sid, 20_000);
    expect(moved.pid).toBe(home.pid);
    // The COMPRESS ran on the home, after the move.
    expect((await master.log('compression on', (l) => l.sid === away.sid, 5_000)).pid).toBe(home.pid);
    expect((await away.client.command('c', 'SELECT INBOX')).at(-1)).toMatch(/^c OK \[READ-WRITE\]/);
    expect(await away.client.command('d', 'NOOP')).toEqual(['d OK NOOP completed']);
  }, 60_000);

  it('keeps a compressed session where it is when the master asks it home, and it goes on', async () => {
    const home = await rig.connect();
    expect(await rig.command(home.client, 'a', 'LOGIN slate pass')).toMatch(/^a OK/);
    await rig.stopAndFill(home.pid, 'slate');
    // The storm: this login is refused its move and stays on the other worker.
    const away = await compressingOn(home.pid, true);
    expect((await away.client.command('a', 'LOGIN slate pass')).at(-1)).toMatch(/^a OK/);
    expect(await away.client.startCompression('b')).toBe('b OK DEFLATE active');
    expect((await away.client.command('c', 'SELECT INBOX')).at(-1)).toMatch(/^c OK/);
    rig.resume(home.pid);
    const stayed = await master.log('not moved home', (l) => l.sid === away.sid, 20_000);
    expect(stayed.unmovable).toBe(true);
    expect(rig.movedIn(away.sid)).toEqual([]);
    expect(await away.client.command('d', 'NOOP')).toEqual(['d OK NOOP completed']);
    expect((await away.client.command('e', 'STATUS INBOX (MESSAGES)')).at(-1)).toBe('e OK STATUS completed');
  }, 60_000);
});
