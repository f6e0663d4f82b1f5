// An in-memory mupdate master for the pusher's tests: connect() hands out MupdateConnections that
// change one shared list. `down` makes connect() fail (the master is unreachable); `refuse` makes
// ACTIVATE/DELETE of a name answer NO; `latencyMs` delays every answer.
import { MupdateError, type MupdateConnectOptions, type MupdateConnection, type MupdateRecord } from '../../src/murder/index.js';

export class FakeMupdate {
  readonly records = new Map<string, { location: string; acl: string }>();
  /** Every command that changed the list, in arrival order ("ACTIVATE name location acl", "DELETE name"). */
  readonly log: string[] = [];
  down = false;
  readonly refuse = new Set<string>();
  latencyMs = 0;
  connects = 0;
  logins: MupdateConnectOptions[] = [];
  private readonly open = new Set<{ kill(silently?: boolean): void }>();

  readonly connect = async (options: MupdateConnectOptions): Promise<MupdateConnection> => {
    this.connects++;
    if (this.down) throw new MupdateError('connection', 'connect ECONNREFUSED');
    this.logins.push(options);
    return this.connection();
  };

  /**
   * Break every open connection (as a restart of the master would); `silently`: the client is not
   * told, and finds out when it next sends a command (a connection dead while idle).
   */
  dropConnections(silently = false): void {
    for (const c of [...this.open]) c.kill(silently);
  }

  private connection(): MupdateConnection {
    let closed = false;
    const listeners: Array<(err: Error | null) => void> = [];
    const handle = {
      kill: (silently = false) => {
        if (closed) return;
        closed = true;
        killed = true;
        this.open.delete(handle);
        if (!silently) for (const l of listeners) l(new MupdateError('connection', 'connection closed'));
      },
    };
    this.open.add(handle);
    let killed = false;
    // A command sent before the client closed is still carried out (the master got it).
    const answer = async <T>(fn: () => T): Promise<T> => {
      if (closed || this.down) throw new MupdateError('connection', 'connection closed');
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      if (killed || this.down) throw new MupdateError('connection', 'connection closed');
      return fn();
    };
    const recordOf = (name: string): MupdateRecord | null => {
      const r = this.records.get(name);
      return r ? { kind: 'mailbox', name, ...r } : null;
    };
    return {
      find: (name) => answer(() => recordOf(name)),
      list: (server) => answer(() => [...this.records.keys()].sort()
        .map((name) => recordOf(name)!)
        .filter((r) => server === undefined || r.location.split('!')[0] === server)),
      activate: (name, location, acl) => answer(() => {
        if (this.refuse.has(name)) throw new MupdateError('no', 'refused');
        this.records.set(name, { location, acl });
        this.log.push(`ACTIVATE ${name} ${location} ${acl}`);
      }),
      reserve: () => answer(() => undefined),
      delete: (name) => answer(() => {
        if (this.refuse.has(name)) throw new MupdateError('no', 'refused');
        this.records.delete(name);
        this.log.push(`DELETE ${name}`);
      }),
      noop: () => answer(() => undefined),
      update: () => Promise.reject(new MupdateError('bad', 'not in this fake')),
      onClose: (listener) => {
        listeners.push(listener);
      },
      close: async () => {
        closed = true;
        this.open.delete(handle);
      },
    };
  }
}
