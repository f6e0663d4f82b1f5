import { expect } from 'vitest';
import { MAX_MOVES_QUEUED } from '../../src/master/worker-pool.js';
import { addUsers, LineClient, RunningMaster, tempServer } from './helpers.js';

/** A connection a test made, with the worker process that took it and its session's log id. */
export interface Served {
  client: LineClient;
  pid: number;
  sid: string;
}

/**
 * What the tests of later moves home share (issue 16): connections from fresh addresses with the
 * worker that took each, and a login storm made by stopping a worker (stopAndFill).
 */
export class HomewardRig {
  private readonly open: LineClient[] = [];
  private readonly stopped = new Set<number>();
  private nextHost = 10;

  constructor(private readonly master: RunningMaster, private readonly address: string) {}

  private opened() {
    return this.master.logs.filter((l) => l.msg === 'connection opened');
  }

  /** A new connection from a fresh address (no address hint), with the worker that took it. */
  async connect(): Promise<Served> {
    const before = this.opened().length;
    const client = await LineClient.connect(this.address, `127.0.1.${this.nextHost++}`);
    this.open.push(client);
    await client.line(/^\* OK/);
    const line = await this.master.waitFor('its opening logged', () => this.opened()[before]);
    return { client, pid: line.pid as number, sid: line.sid as string };
  }

  /** A connection on worker `pid` (the others made meanwhile stay open, not logged in). */
  async connectOn(pid: number): Promise<Served> {
    for (let i = 0; i < 20; i++) {
      const c = await this.connect();
      if (c.pid === pid) return c;
    }
    throw new Error('the master never gave a connection to that worker');
  }

  async command(client: LineClient, tag: string, text: string): Promise<string> {
    client.send(`${tag} ${text}\r\n`);
    return client.line(new RegExp(`^${tag} `));
  }

  /**
   * A storm, made: worker `home` stops taking sockets, MAX_MOVES_QUEUED logins of `filler` on the
   * other worker queue their moves to it, and the logins after them stay where they came in.
   */
  async stopAndFill(home: number, filler: string): Promise<void> {
    process.kill(home, 'SIGSTOP');
    this.stopped.add(home);
    const refused = () => this.master.logs.filter((l) => l.msg === 'login not moved: sockets queued').length;
    for (let tries = 0; tries < 4 * MAX_MOVES_QUEUED; tries++) {
      // One given to the stopped worker gets no greeting until it runs again: it is left waiting
      // (and counts as a socket on its way there).
      const before = this.opened().length;
      const client = await LineClient.connect(this.address, `127.0.1.${this.nextHost++}`);
      this.open.push(client);
      if (!(await client.line(/^\* OK/, 1000).then(() => true, () => false))) continue;
      const c = await this.master.waitFor('its opening logged', () => this.opened()[before]);
      expect(c.pid).not.toBe(home);
      const refusedBefore = refused();
      client.send(`a LOGIN ${filler} pass\r\n`);
      await this.master.waitFor('the login moved or refused its move', () => refused() > refusedBefore || this.master.logs.some((l) => l.msg === 'moved session handed to its user\'s worker' && l.sid === c.sid));
      if (refused() > refusedBefore) return;
    }
    throw new Error('no login was refused its move');
  }

  /** Let worker `pid` run again. */
  resume(pid: number): void {
    process.kill(pid, 'SIGCONT');
    this.stopped.delete(pid);
  }

  movedIn(sid: string) {
    return this.master.logs.filter((l) => l.msg === 'session moved in' && l.sid === sid);
  }

  /** Every stopped worker running again, every connection closed. */
  close(): void {
    for (const pid of this.stopped) process.kill(pid, 'SIGCONT');
    for (const client of this.open) client.close();
  }
}

/** A master with two imapd workers (plaintext logins) and `users`, its rig, and how to end both. */
export async function startHomeward(users: string[]): Promise<{ master: RunningMaster; rig: HomewardRig; stop: () => Promise<void> }> {
  const server = tempServer('SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0" prefork=2\n}\n', 'allowplaintext: yes\nautocreate_quota: 0\n');
  let master: RunningMaster | null = null;
  let rig: HomewardRig | null = null;
  const stop = async (): Promise<void> => {
    rig?.close();
    await master?.stop();
    server.cleanup();
  };
  try {
    addUsers(server, users);
    master = RunningMaster.start(server);
    rig = new HomewardRig(master, await master.address('imap'));
    const started = master;
    // Ready, not only started: stopAndFill stops one and needs the other to take connections.
    await started.waitFor('two workers ready', () => started.workerPids('imap').length >= 2 && started.workersReady('imap'));
    return { master, rig, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
