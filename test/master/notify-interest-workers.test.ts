// Issue 16: routing by interest between real imapd workers under the master. The test process
// joins the change channel itself (as another worker would: listening beside the hub, narrowed),
// so it sees what the workers write to a peer and what they declare: a worker publishes a change
// only to the processes that want it, and wants a mailbox only while a session of it selects it.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChangeInterest } from '../../src/common/service.js';
import { NotifyClient } from '../../src/master/notify.js';
import { addUsers, LineClient, RunningMaster, tempServer, type TempServer } from './helpers.js';

function until(test: () => boolean, ms = 10_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolvePromise, reject) => {
    const tick = () => (test() ? resolvePromise() : Date.now() - start > ms ? reject(new Error('timed out')) : setTimeout(tick, 10));
    tick();
  });
}

describe('routing by interest between imapd workers', () => {
  let server: TempServer;
  let master: RunningMaster;
  let peer: NotifyClient;
  let interest: ChangeInterest;
  const heard: string[] = [];

  beforeAll(async () => {
    // The interest of a mailbox no session selects is dropped at once here (it lingers 10 s by default).
    vi.stubEnv('CYRUSTS_INTEREST_LINGER_MS', '0');
    server = tempServer(`SERVICES {
  imap      cmd="imapd" listen="127.0.0.1:0" prefork=2
}
`, 'allowplaintext: yes\n');
    addUsers(server, ['fred']);
    master = RunningMaster.start(server);
    await master.address('imap');
    peer = NotifyClient.connect(join(server.dir, 'conf', 'socket', 'idle'), undefined, { listen: true });
    peer.subscribeRemote((name) => heard.push(name));
    interest = peer.narrow();
    // Both workers write to this process directly and route by what it wants; it writes to both.
    await until(() => peer.directPeers === 2 && peer.routingPublishers.count === 2 && peer.routingPublishers.settled);
  }, 60_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await peer?.close();
    await master?.stop();
    server?.cleanup();
  });

  it('a worker writes a change only to a process that wants it', async () => {
    const address = await master.address('imap');
    const writer = await LineClient.connect(address);
    writer.send('l LOGIN fred pass\r\nc CREATE INBOX\r\nd CREATE Other\r\n');
    await writer.line(/^d /);
    const body = 'Subject: x\r\n\r\nbody\r\n';
    // A worker's acknowledgement of a declaration comes behind what it wrote before on the same
    // connection: once both acknowledged one, every change they wrote here has arrived.
    const barrier = async (name: string) => {
      interest.want(name);
      await until(() => peer.routingPublishers.settled);
      interest.unwant(name);
      await until(() => peer.routingPublishers.settled);
    };
    writer.send(`a1 APPEND INBOX {${body.length}+}\r\n${body}\r\n`);
    await writer.line(/^a1 OK/);
    await barrier('user.barrier1');
    expect(heard).not.toContain('user.fred');
    interest.want('user.fred');
    await until(() => peer.routingPublishers.settled);
    writer.send(`a2 APPEND INBOX {${body.length}+}\r\n${body}\r\n`);
    await writer.line(/^a2 OK/);
    await until(() => heard.includes('user.fred'));
    interest.unwant('user.fred');
    await until(() => peer.routingPublishers.settled);
    heard.length = 0;
    writer.send(`a3 APPEND INBOX {${body.length}+}\r\n${body}\r\n`);
    await writer.line(/^a3 OK/);
    await barrier('user.barrier2');
    expect(heard).not.toContain('user.fred');
    writer.close();
  }, 60_000);

  it('IDLE in one worker hears an APPEND in the other; the workers want a mailbox only while a session selects it', async () => {
    const address = await master.address('imap');
    // Connections go to the least-loaded worker (then, once logged in, maybe to the user's worker).
    const idlers: LineClient[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await LineClient.connect(address);
      c.send('l LOGIN fred pass\r\ns SELECT INBOX\r\n');
      await c.line(/^s OK/);
      idlers.push(c);
    }
    // The worker(s) serving them now want user.fred (one worker when the user's sessions are moved
    // to one): this process, publishing it, comes to write it there.
    await until(() => {
      const before = peer.changesSkipped;
      peer.publish('user.fred');
      return peer.changesSkipped - before < 2;
    });
    for (const c of idlers) {
      c.send('i IDLE\r\n');
      await c.line(/^\+ /);
    }
    const writer = await LineClient.connect(address);
    const body = 'Subject: across workers\r\n\r\nbody\r\n';
    writer.send(`l LOGIN fred pass\r\na APPEND INBOX {${body.length}+}\r\n${body}\r\n`);
    await writer.line(/^a OK/);
    // Well within IDLE's 5 s safety poll.
    for (const c of idlers) expect(await c.line(/^\* \d+ EXISTS$/, 3000)).toMatch(/EXISTS/);
    writer.close();
    // One UNSELECTs, the other logs out: neither worker wants user.fred any more.
    idlers[0]!.send('i DONE\r\nu UNSELECT\r\n');
    await idlers[0]!.line(/^u OK/);
    idlers[1]!.send('i DONE\r\no LOGOUT\r\n');
    await idlers[1]!.closed;
    await until(() => {
      const before = peer.changesSkipped;
      peer.publish('user.fred');
      return peer.changesSkipped - before === 2;
    });
    idlers[0]!.close();
  }, 60_000);
});
