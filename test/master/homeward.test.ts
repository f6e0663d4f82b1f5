import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LineClient, RunningMaster } from './helpers.js';
import { startHomeward, type HomewardRig, type Served } from './homeward-rig.js';

// Issue 16: in a login storm the master refuses moves (MAX_MOVES_QUEUED) and a user's sessions end
// up on both workers. Once the storm has passed, the master asks the sessions away from their user's
// home to move there; each moves at a safe point of its own, with its selected mailbox's view.
describe('master: sessions split by a login storm move home later', () => {
  let master: RunningMaster;
  let rig: HomewardRig;
  let stop = async (): Promise<void> => undefined;

  beforeAll(async () => {
    ({ master, rig, stop } = await startHomeward(['fred', 'slate', 'wilma']));
  });

  afterAll(() => stop());

  const connect = () => rig.connect();
  const connectOn = (pid: number) => rig.connectOn(pid);
  const command = (client: LineClient, tag: string, text: string) => rig.command(client, tag, text);
  const stopAndFill = (home: number, filler: string) => rig.stopAndFill(home, filler);
  const resume = (home: number) => rig.resume(home);
  const movedIn = (sid: string) => rig.movedIn(sid);

  it('moves a selected session home between pipelined commands, its view intact; one in IDLE moves in its IDLE', async () => {
    const home = await connect();
    expect(await command(home.client, 'a', 'LOGIN fred pass')).toMatch(/^a OK/);
    for (let i = 0; i < 3; i++) {
      home.client.send(`b${i} APPEND INBOX {21+}\r\nSubject: m${i}\r\n\r\nbody\r\n\r\n`);
      expect(await home.client.line(new RegExp(`^b${i} `))).toMatch(/OK/);
    }
    await stopAndFill(home.pid, 'fred');

    // Two sessions of fred on the other worker: the storm refused their moves.
    const away = await connect();
    const idler = await connect();
    const appender = await connect();
    for (const s of [away, idler, appender]) {
      expect(s.pid).not.toBe(home.pid);
      expect(await command(s.client, 'a', 'LOGIN fred pass')).toMatch(/^a OK/);
      expect(await command(s.client, 'b', 'SELECT INBOX')).toMatch(/^b OK \[READ-WRITE\]/);
    }
    expect(away.client.received).toContain('* 3 EXISTS');
    expect(await command(away.client, 'c', 'STORE 1 +FLAGS (\\Flagged)')).toMatch(/^c OK/);
    expect(await command(away.client, 'c2', 'SEARCH RETURN (SAVE) FLAGGED')).toMatch(/^c2 OK/);
    idler.client.send('d IDLE\r\n');
    await idler.client.line(/^\+ /);
    // In the middle of a command: a synchronising literal announced, its bytes not sent yet.
    appender.client.send('x APPEND INBOX {21}\r\n');
    await appender.client.line(/^\+ /);
    resume(home.pid);

    // The client keeps sending bursts of pipelined commands: the move comes between two of them.
    const mark = away.client.received.length;
    const expected: string[] = [];
    for (let i = 0; i < 400 && movedIn(away.sid).length === 0; i++) {
      away.client.send(`p${i}a NOOP\r\np${i}b FETCH 1:3 (FLAGS)\r\np${i}c NOOP\r\n`);
      expected.push(`p${i}a`, `p${i}b`, `p${i}c`);
      await away.client.line(new RegExp(`^p${i}c `));
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(movedIn(away.sid)).toHaveLength(1);
    expect(movedIn(away.sid)[0]!.pid).toBe(home.pid);
    expect(movedIn(away.sid)[0]!.selected).toBe(true);
    expect((await command(away.client, 'e', 'NOOP'))).toMatch(/^e OK/);
    // Every answer once, in order, and nothing else but the FETCH responses.
    const after = away.client.received.slice(mark);
    expect(after.filter((l) => !l.startsWith('*')).map((l) => l.split(' ')[0])).toEqual([...expected, 'e']);
    for (const line of after.filter((l) => l.startsWith('*'))) expect(line).toMatch(/^\* [123] FETCH \(FLAGS \(/);
    expect(after.filter((l) => l.startsWith('* 1 FETCH')).every((l) => l.includes('\\Flagged'))).toBe(true);
    // The saved search result (RFC 5182) went along.
    expect(await command(away.client, 'e2', 'FETCH $ (UID)')).toMatch(/^e2 OK/);
    expect(away.client.received.slice(-2)).toEqual(['* 1 FETCH (UID 1)', 'e2 OK FETCH completed']);

    // The view went along: changes made since are told as sequence numbers of the client's view.
    const mark2 = away.client.received.length;
    expect(await command(home.client, 'f', 'SELECT INBOX')).toMatch(/^f OK/);
    home.client.send('g APPEND INBOX {21+}\r\nSubject: m3\r\n\r\nbody\r\n\r\n');
    expect(await home.client.line(/^g /)).toMatch(/OK/);
    expect(await command(home.client, 'h', 'STORE 2 +FLAGS (\\Seen)')).toMatch(/^h OK/);
    expect(await command(home.client, 'i', 'STORE 3 +FLAGS.SILENT (\\Deleted)')).toMatch(/^i OK/);
    expect(await command(home.client, 'j', 'EXPUNGE')).toMatch(/^j OK/);
    expect(await command(away.client, 'k', 'NOOP')).toMatch(/^k OK/);
    const told = away.client.received.slice(mark2);
    // Its SELECT claimed \\Recent for the first three (none had been selected): that went along too.
    expect(told).toEqual(['* 3 EXPUNGE', '* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent))', '* 3 EXISTS', '* 2 RECENT', 'k OK NOOP completed']);
    const mark3 = away.client.received.length;
    away.client.send('l FETCH 1:* (UID FLAGS)\r\n');
    expect(await away.client.line(/^l /)).toMatch(/^l OK/);
    expect(away.client.received.slice(mark3).filter((l) => /^\* \d FETCH \(UID/.test(l))).toEqual([
      '* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))', '* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent))', '* 3 FETCH (UID 4 FLAGS ())',
    ]);

    // The IDLE session moved home in its IDLE: each change told once, by whichever worker served it
    // then; no second `+ idling`; its DONE answered with its own tag by the home.
    const idlerIn = await master.log('session moved in', (l) => l.sid === idler.sid, 20_000);
    expect(idlerIn.pid).toBe(home.pid);
    expect(idlerIn.idle).toBe(true);
    await idler.client.line(/^\* 4 EXISTS$/);
    await idler.client.line(/^\* 3 EXPUNGE$/);
    idler.client.send('DONE\r\n');
    expect(await idler.client.line(/^d /)).toBe('d OK IDLE completed');
    for (const once of ['* 4 EXISTS', '* 3 EXPUNGE']) expect(idler.client.received.filter((l) => l === once)).toHaveLength(1);
    expect(idler.client.received.filter((l) => l.startsWith('+'))).toHaveLength(1);
    expect(await command(idler.client, 'm', 'FETCH 3 (UID)')).toMatch(/^m OK/);
    expect(idler.client.received).toContain('* 3 FETCH (UID 4)');

    // The one in the middle of its APPEND stayed too; its literal completes the command there, once.
    expect((await master.log('not moved home', (l) => l.sid === appender.sid, 15_000)).unmovable).toBe(false);
    const before = appender.client.received.length;
    appender.client.send('Subject: m4\r\n\r\nbody\r\n\r\n');
    expect(await appender.client.line(/^x /)).toMatch(/^x OK/);
    expect(appender.client.received.slice(before).filter((l) => l.startsWith('+'))).toEqual([]);
    await master.log('session moved in', (l) => l.sid === appender.sid, 20_000);
    expect(await command(appender.client, 'y', 'FETCH 4 (UID)')).toMatch(/^y OK/);
    expect(appender.client.received).toContain('* 4 FETCH (UID 5)');
  }, 90_000);

  it('makes the worker with more of a user\'s sessions the home, and moves each session once', async () => {
    const first = await connect();
    expect(await command(first.client, 'a', 'LOGIN slate pass')).toMatch(/^a OK/);
    // wilma's first session on the worker that will stop: her home, with one session.
    const wilmaHome = await connectOn(first.pid);
    expect(await command(wilmaHome.client, 'a', 'LOGIN wilma pass')).toMatch(/^a OK/);
    const stoppedPid = first.pid;
    await stopAndFill(stoppedPid, 'slate');
    const others: Served[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await connect();
      expect(c.pid).not.toBe(stoppedPid);
      expect(await command(c.client, 'a', 'LOGIN wilma pass')).toMatch(/^a OK/);
      expect(await command(c.client, 'b', 'SELECT INBOX')).toMatch(/^b OK/);
      others.push(c);
    }
    resume(stoppedPid);
    const otherPid = others[0]!.pid;
    // Home on the stopped worker with one session, two on the other: the home moves to them.
    await master.log('session moved in', (l) => l.sid === wilmaHome.sid, 20_000);
    expect(movedIn(wilmaHome.sid)[0]!.pid).toBe(otherPid);
    expect(await command(wilmaHome.client, 'c', 'NOOP')).toMatch(/^c OK/);
    // No ping-pong: a while later nothing moved again.
    await new Promise((r) => setTimeout(r, 3000));
    for (const c of [wilmaHome, ...others]) expect(movedIn(c.sid).length).toBeLessThanOrEqual(1);
    expect(others.every((c) => movedIn(c.sid).length === 0)).toBe(true);
    for (const c of [wilmaHome, ...others]) expect(await command(c.client, 'z', 'NOOP')).toMatch(/^z OK/);
  }, 60_000);
});
