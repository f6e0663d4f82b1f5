import net from 'node:net';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { silentLogger, type Logger } from '../common/log.js';
import type { ChangeInterest } from '../common/service.js';
import { decodeAppendFacts, encodeAppendFacts, type AppendFacts } from '../common/append-facts.js';

/**
 * The change-notification channel (the role of Cyrus's idled). The master runs a hub on a UNIX
 * socket; every process connects a client. A client's publish reaches its own subscribers at once
 * and every other process through the hub. Wire format: one JSON object per line, {"m": mailbox};
 * a change that was an append carries what it did, {"m": mailbox, "f": "facts"} (AppendFacts as
 * one plain string, src/common/append-facts.ts), so that an IDLE session whose view was the state
 * before it can say EXISTS without reading the index. Both are read without JSON.parse.
 *
 * The hop through the master costs a wake-up of a third process on every change (issue 16, IDLE
 * push). A long-lived client (a worker) may therefore listen on a socket of its own beside the hub's
 * ("<idlesocket>.<pid>.<n>") and announce it ({"l": path}); the hub gives each client an id and
 * tells every client where the others listen ({"p": id, "l": path}, {"x": id} when one leaves).
 * A publisher writes the change straight to every peer it holds a connection to, and to the hub
 * with the ids it reached ({"m": mailbox, "d": [ids]}); the hub relays it to the other clients only
 * (short-lived tools, peers not connected yet), so every process hears each change once.
 *
 * A process none of whose code listens to changes (pop3d, lmtpd: they only publish) says so
 * ({"q": true}, muted): the hub then neither relays changes to it nor announces its socket, so no
 * publisher writes to it. Each publish used to wake every process of every service (measured under
 * imap-load: the writes of publish were a tenth of an imapd worker's time).
 *
 * The hub tells each client how many other clients hear changes only through it ({"r": n}: not
 * muted, no listening socket of their own). A publisher that reached every peer directly and was
 * told r = 0 does not write to the hub at all: the master is then off the path of a change (a
 * wake-up of a third process per change on a 2-core machine, in the way of the IDLE push). A client
 * that joins hears the changes published after its publishers learnt of it (a fraction of a
 * millisecond after it connected): sessions start well after their process joined.
 *
 * Publishes are written in batches without delaying the first: the first publish of a turn of the
 * event loop is written at once (an IDLE push waits for nothing), the next ones of the same turn
 * are gathered (each name once) and written together when the turn ends, one write per peer.
 *
 * Routing by interest (wire version 2). A change used to reach every listening process, and an idle
 * imapd worker paid 190-290 us of CPU for each one no session of it watched (issue 16). A publisher
 * that routes says so first on each peer connection it opens ({"v":2}); the listening end (whose
 * program called narrow()) then answers on that same connection with the names it wants:
 * {"s":seq,"n":[names]} (exactly these), {"s":seq,"+":[names],"-":[names]} (a change of the set),
 * {"s":seq,"a":1} (every name), each with "c" (below). The publisher applies it, acknowledges it
 * ({"k":seq}, behind the changes it wrote before) and from then on writes to that peer only the
 * names it wants. A publisher that never said v2, a listener that never declares, the hub's relay
 * (tools, peers not reached) and processes without a socket of their own are not filtered: they
 * send or hear everything, as before.
 *
 * No change is lost to the race between a declaration and a publish. A name newly wanted (a SELECT
 * read the index, then said so) may have changed after the read and before a publisher applied the
 * declaration: once every routing publisher acknowledged it, the listener tells its own listeners
 * that the name changed (a catch-up: an IDLE session syncs from the index and finds the change;
 * one that is not idling syncs at its next command anyway). For "every name" (NOTIFY) the listener
 * cannot tell which names to catch up, so the publisher keeps the names it left out for each peer
 * with the declaration in force then, and on {"a":1} sends again those left out since the last
 * declaration the listener knew acknowledged ("c"): the names it could have missed since it read.
 */

const MAX_LINE = 64 * 1024;
/** How a change line starts: {"m":"name"} or {"m":"name","f":"facts"} (see onLine). */
const CHANGE_HEAD = '{"m":"';
/** What follows the name in a change line with an append's facts. */
const FACTS_HEAD = '","f":"';
/** Longest listening socket path (sun_path holds 108 bytes with its NUL); a longer one is not used. */
const MAX_SOCKET_PATH = 100;
/** A client that reads this far behind is cut off (it reconnects and carries on). */
const MAX_BACKLOG = 4 * 1024 * 1024;

function splitLines(onLine: (line: string) => void): (chunk: Buffer) => boolean {
  let pending = '';
  return (chunk) => {
    // The usual chunk: one whole line (a change), nothing pending: no concatenation, no slices.
    const last = chunk.length - 1;
    if (pending === '' && last > 0 && chunk[last] === 0x0a && chunk.indexOf(0x0a) === last) {
      onLine(chunk.toString('utf8', 0, last));
      return true;
    }
    pending += chunk.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.length > 0) onLine(line);
    }
    return pending.length <= MAX_LINE;
  };
}

/** The master's side: relays each line a client sends to every other client it did not reach itself. */
interface HubClient {
  id: number;
  listenPath: string | null;
  muted: boolean;
  /** The last relay count sent to this client ({"r": n}), -1 before the first. */
  toldRelays: number;
}

export class NotifyHub {
  private readonly clients = new Map<net.Socket, HubClient>();
  private nextId = 1;
  /** Change lines received from publishers (tests and diagnostics: publishes that came through the master). */
  changesReceived = 0;

  private constructor(
    private readonly server: net.Server,
    readonly path: string,
    private readonly logger: Logger,
  ) {}

  static async listen(path: string, logger: Logger = silentLogger()): Promise<NotifyHub> {
    mkdirSync(dirname(path), { recursive: true });
    rmSync(path, { force: true });
    removeStalePeerSockets(path);
    const server = net.createServer();
    const hub = new NotifyHub(server, path, logger);
    server.on('connection', (socket) => hub.accept(socket));
    await new Promise<void>((resolvePromise, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolvePromise();
      });
    });
    return hub;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  private send(socket: net.Socket, line: string): void {
    if (socket.destroyed) return;
    if (socket.writableLength > MAX_BACKLOG) {
      this.logger.warn({ backlog: socket.writableLength }, 'notify client too far behind, disconnected');
      socket.destroy();
      return;
    }
    socket.write(line);
  }

  /** A client that hears changes only from the hub's relay. */
  private static relayed(client: HubClient): boolean {
    return !client.muted && client.listenPath === null;
  }

  /**
   * Tell every client how many others hear changes only through the hub (when that changed for it):
   * a publisher skips the hub when none does and it reached every peer itself.
   */
  private tellRelays(): void {
    let total = 0;
    for (const client of this.clients.values()) if (NotifyHub.relayed(client)) total++;
    for (const [socket, client] of this.clients) {
      const n = total - (NotifyHub.relayed(client) ? 1 : 0);
      if (n === client.toldRelays) continue;
      client.toldRelays = n;
      this.send(socket, JSON.stringify({ r: n }) + '\n');
    }
  }

  private accept(socket: net.Socket): void {
    const me: HubClient = { id: this.nextId++, listenPath: null, muted: false, toldRelays: -1 };
    this.clients.set(socket, me);
    // Where the others listen, so that the newcomer can reach them directly (the muted want nothing).
    for (const other of this.clients.values()) if (other.listenPath !== null && !other.muted) this.send(socket, JSON.stringify({ p: other.id, l: other.listenPath }) + '\n');
    // The newcomer hears changes through the hub until it says it listens or is muted.
    this.tellRelays();
    const toOthers = (line: string) => {
      for (const [other] of this.clients) if (other !== socket) this.send(other, line);
    };
    const feed = splitLines((line) => {
      let message: { m?: unknown; d?: unknown; l?: unknown; q?: unknown; f?: unknown };
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        return;
      }
      if (typeof message.l === 'string' && me.listenPath === null) {
        me.listenPath = message.l;
        // Announced before the relay count drops: a publisher learns of the peer before it stops relaying.
        if (!me.muted) toOthers(JSON.stringify({ p: me.id, l: me.listenPath }) + '\n');
        this.tellRelays();
        return;
      }
      if (typeof message.q === 'boolean') {
        if (message.q === me.muted) return;
        me.muted = message.q;
        // The peers stop (or start) writing to its socket.
        if (me.listenPath !== null) toOthers(JSON.stringify(me.muted ? { x: me.id } : { p: me.id, l: me.listenPath }) + '\n');
        this.tellRelays();
        return;
      }
      if (typeof message.m !== 'string') return;
      this.changesReceived++;
      const reached = Array.isArray(message.d) ? new Set(message.d) : null;
      let out: string | null = null;
      for (const [other, peer] of this.clients) {
        if (other === socket || peer.muted || reached?.has(peer.id)) continue;
        this.send(other, (out ??= changeLine(message.m, typeof message.f === 'string' ? message.f : null)));
      }
    });
    socket.on('data', (chunk: Buffer) => {
      if (!feed(chunk)) socket.destroy();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.clients.delete(socket);
      this.tellRelays();
      if (me.listenPath === null || me.muted) return;
      const gone = JSON.stringify({ x: me.id }) + '\n';
      for (const other of this.clients.keys()) this.send(other, gone);
    });
  }

  async close(): Promise<void> {
    for (const socket of this.clients.keys()) socket.destroy();
    await new Promise<void>((resolvePromise) => this.server.close(() => resolvePromise()));
    rmSync(this.path, { force: true });
  }
}

/** The listening sockets "<idlesocket>.<pid>.<n>" left by processes that were killed. */
function removeStalePeerSockets(hubPath: string): void {
  const prefix = `${basename(hubPath)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(hubPath));
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^(\d+)\.\d+$/.exec(name.startsWith(prefix) ? name.slice(prefix.length) : '');
    if (m === null || processAlive(Number(m[1]))) continue;
    rmSync(join(dirname(hubPath), name), { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

type Listener = (mailbox: string, facts?: AppendFacts) => void;

/** A peer process's listening socket, as the hub announced it, and this process's connection to it. */
interface Peer {
  path: string;
  socket: net.Socket;
  connected: boolean;
  /** The names the peer wants written to it; null: every name (it has not said otherwise). */
  wants: Set<string> | null;
  /** The peer's declaration in force ("s"; 0 before the first). */
  seq: number;
  /** Names left out for the peer (not wanted), with the declaration in force when they last were. */
  skipped: Map<string, number>;
}

/** A connection a publisher opened to this process's listening socket. */
interface Incoming {
  socket: net.Socket;
  /** The publisher routes by interest ({"v":2}): it is told what this process wants. */
  routes: boolean;
  /** The last declaration it acknowledged (or was sent first: it filtered nothing before that). */
  acked: number;
  /** The last declaration it acknowledged ({"k"}: tests and diagnostics). */
  confirmed: number;
}

/** What a narrowed process wants, and what its peers were last told. */
interface Interest {
  all: boolean;
  names: Set<string>;
  /** Names wanted or dropped since the last declaration. */
  dirty: Set<string>;
  declaredAll: boolean;
  declared: Set<string>;
  /** A declaration is due at the end of this turn of the event loop. */
  due: boolean;
}

/** Wire version of publishers that route by interest. */
const ROUTING_HELLO = '{"v":2}\n';
/** Names left out for one peer kept at most (beyond it, those left out under an older declaration go). */
const MAX_SKIPPED = 10_000;

function changeLine(name: string, facts: string | null = null): string {
  // {"m": name} as JSON.stringify writes it, without an object per name; the facts need no escaping.
  return facts === null ? '{"m":' + JSON.stringify(name) + '}\n' : '{"m":' + JSON.stringify(name) + ',"f":"' + facts + '"}\n';
}

/** The plain string of facts for the line (no quote or backslash: encodeAppendFacts); null when there are none or they cannot be sent. */
function factsText(facts: AppendFacts | undefined): string | null {
  return facts === undefined ? null : encodeAppendFacts(facts);
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Listening sockets made by this process so far (a process may hold more than one client). */
let listenCount = 0;

export interface NotifyClientOptions {
  /**
   * Listen on a socket of its own so that other processes' changes arrive without the hop through
   * the hub (long-lived processes: the workers); short-lived tools only publish.
   */
  listen?: boolean;
}

/** One process's end of the channel. Never throws on publish: without a hub it is a no-op. */
export class NotifyClient {
  private socket: net.Socket | null = null;
  private connected = false;
  private closed = false;
  private retryDelay = 50;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Publishes made while the first (or a re-) connection attempt is under way. */
  private queue: string[] = [];
  private readonly listeners = new Set<Listener>();
  /** Listeners of other processes' changes only (the hub never echoes a publish to its sender). */
  private readonly remoteListeners = new Set<Listener>();
  /** This process's own listening socket (options.listen), once it listens. */
  private server: net.Server | null = null;
  private listenPath: string | null = null;
  private readonly incoming = new Map<net.Socket, Incoming>();
  /** What this process wants to hear (narrow()); null: every change. */
  private interest: Interest | null = null;
  /** The last declaration made (its "s"). */
  private declarationSeq = 0;
  /** Names newly wanted by a declaration, told to the listeners once every routing publisher acknowledged it. */
  private catchUps: Array<{ seq: number; names: string[] }> = [];
  /** Peers by the id the current hub connection gave them. */
  private readonly peers = new Map<number, Peer>();
  /** Nothing here listens to changes: the hub sends none (see mute). */
  private muted = false;
  /** How many other clients hear changes only through the hub ({"r": n}); null until the hub said. */
  private relays: number | null = null;
  /**
   * Names published since the first publish of this turn of the event loop (written when it ends),
   * each with the facts of its last publish (null: none); null: none was.
   */
  private batch: Map<string, string | null> | null = null;
  /** Writes of changes made so far, to peers and hub (tests and diagnostics). */
  changeWrites = 0;
  /** Changes left out for a peer that does not want them (tests and diagnostics). */
  changesSkipped = 0;

  private constructor(
    readonly path: string,
    private readonly logger: Logger,
  ) {}

  /** Connect to the hub at `path` (idlesocket); keeps reconnecting while the hub is away. */
  static connect(path: string, logger: Logger = silentLogger(), options: NotifyClientOptions = {}): NotifyClient {
    const client = new NotifyClient(path, logger);
    if (options.listen) client.listen();
    client.open();
    return client;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Peers this process reaches without the hub (for tests and diagnostics). */
  get directPeers(): number {
    let n = 0;
    for (const peer of this.peers.values()) if (peer.connected) n++;
    return n;
  }

  /**
   * Publishers connected here that route by interest, and whether each has applied this process's
   * last declaration (tests and diagnostics).
   */
  get routingPublishers(): { count: number; settled: boolean } {
    let count = 0;
    let settled = this.interest === null || !this.interest.due;
    for (const conn of this.incoming.values()) {
      if (!conn.routes || conn.socket.destroyed) continue;
      count++;
      if (conn.confirmed < this.declarationSeq) settled = false;
    }
    return { count, settled };
  }

  /** What this process last told its publishers it wants: 'all', the names, or null (never narrowed: everything). */
  get declared(): 'all' | string[] | null {
    if (this.interest === null) return null;
    return this.interest.declaredAll ? 'all' : [...this.interest.declared];
  }

  /** How many other clients hear changes only through the hub, as the hub last said (null: not yet). */
  get hubRelays(): number | null {
    return this.relays;
  }

  private listen(): void {
    const path = `${this.path}.${process.pid}.${++listenCount}`;
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) return;
    try {
      rmSync(path, { force: true });
    } catch {
      return;
    }
    const server = net.createServer((socket) => {
      if (this.closed) return socket.destroy();
      const conn: Incoming = { socket, routes: false, acked: 0, confirmed: 0 };
      this.incoming.set(socket, conn);
      socket.unref();
      socket.setNoDelay?.(true);
      const feed = splitLines((line) => this.onIncomingLine(conn, line));
      socket.on('data', (chunk: Buffer) => {
        if (!feed(chunk)) socket.destroy();
      });
      socket.on('error', () => socket.destroy());
      socket.on('close', () => {
        this.incoming.delete(socket);
        // It waits for no acknowledgement from a publisher gone (its changes come through the hub).
        this.runCatchUps();
      });
    });
    server.on('error', (err) => {
      this.logger.debug({ err, path }, 'notify: no listening socket of our own, changes come through the hub');
      this.server = null;
      this.listenPath = null;
    });
    server.listen(path, () => {
      if (this.closed) {
        server.close();
        rmSync(path, { force: true });
        return;
      }
      this.listenPath = path;
      this.announce();
    });
    server.unref();
    this.server = server;
  }

  /** Tell the hub where this process listens (once per hub connection, when both are ready). */
  private announce(): void {
    if (this.connected && this.socket !== null && this.listenPath !== null) this.socket.write(JSON.stringify({ l: this.listenPath }) + '\n');
  }

  /**
   * Say that no code of this process listens to changes (it only publishes): the hub relays none
   * to it and no peer writes to its socket. Call before anything subscribes, or never: a later
   * subscribe unmutes, but changes published before the hub hears of it are not delivered.
   */
  mute(): void {
    if (this.muted) return;
    this.muted = true;
    if (this.connected && this.socket !== null) this.socket.write(JSON.stringify({ q: true }) + '\n');
  }

  private unmute(): void {
    if (!this.muted) return;
    this.muted = false;
    if (this.connected && this.socket !== null) this.socket.write(JSON.stringify({ q: false }) + '\n');
  }

  /** A line from the hub or from a peer. */
  private onLine(line: string): void {
    // A change ({"m":"name"} or {"m":"name","f":"facts"}, the usual lines) without JSON.parse when
    // the name needs no unescaping.
    if (line.startsWith(CHANGE_HEAD) && line.endsWith('"}') && line.indexOf('\\') === -1) {
      const end = line.indexOf('"', CHANGE_HEAD.length);
      if (end === line.length - 2) {
        this.deliver(line.slice(CHANGE_HEAD.length, end), true);
        return;
      }
      const from = end + FACTS_HEAD.length;
      if (line.startsWith(FACTS_HEAD, end) && line.indexOf('"', from) === line.length - 2) {
        this.deliver(line.slice(CHANGE_HEAD.length, end), true, decodeAppendFacts(line.slice(from, line.length - 2)) ?? undefined);
        return;
      }
    }
    let message: { m?: unknown; p?: unknown; l?: unknown; x?: unknown; r?: unknown; f?: unknown };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      return;
    }
    if (typeof message.m === 'string') this.deliver(message.m, true, typeof message.f === 'string' ? decodeAppendFacts(message.f) ?? undefined : undefined);
    else if (typeof message.p === 'number' && typeof message.l === 'string') this.addPeer(message.p, message.l);
    else if (typeof message.x === 'number') this.dropPeer(message.x);
    else if (typeof message.r === 'number') this.relays = message.r;
  }

  private addPeer(id: number, path: string): void {
    if (this.closed || path === this.listenPath) return;
    this.dropPeer(id);
    const socket = net.createConnection(path);
    socket.unref();
    const peer: Peer = { path, socket, connected: false, wants: null, seq: 0, skipped: new Map() };
    this.peers.set(id, peer);
    socket.on('connect', () => {
      socket.setNoDelay?.(true);
      peer.connected = true;
      // This publisher routes: the peer may say which names it wants.
      socket.write(ROUTING_HELLO);
    });
    // Until it is back (never: the hub relays for a peer not reached), the hub carries its changes.
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      peer.connected = false;
    });
    // What comes back on a peer connection: the names it wants.
    const feed = splitLines((line) => this.onDeclaration(peer, line));
    socket.on('data', (chunk: Buffer) => {
      if (!feed(chunk)) socket.destroy();
    });
  }

  /** A peer's declaration of the names it wants (see the top of this file); answered with its acknowledgement. */
  private onDeclaration(peer: Peer, line: string): void {
    let message: { s?: unknown; a?: unknown; n?: unknown; '+'?: unknown; '-'?: unknown; c?: unknown };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      return;
    }
    if (typeof message.s !== 'number') return;
    const since = typeof message.c === 'number' ? message.c : 0;
    let resend = '';
    if (message.a === 1 || message.a === true) {
      // Every name from now on; and again those left out since the peer last knew where we were.
      if (peer.wants !== null) for (const [name, seq] of peer.skipped) if (seq >= since) resend += changeLine(name);
      peer.wants = null;
      peer.skipped.clear();
    } else {
      if (message.n !== undefined) peer.wants = new Set(stringsOf(message.n));
      else if (peer.wants !== null) {
        for (const name of stringsOf(message['+'])) peer.wants.add(name);
        for (const name of stringsOf(message['-'])) peer.wants.delete(name);
      }
      for (const [name, seq] of peer.skipped) if (seq < since) peer.skipped.delete(name);
    }
    peer.seq = message.s;
    if (resend !== '') this.changeWrites++;
    peer.socket.write(resend + `{"k":${message.s}}\n`);
  }

  /** A line on a connection a publisher opened to this process: a change, its hello, or an acknowledgement. */
  private onIncomingLine(conn: Incoming, line: string): void {
    if (line.startsWith(CHANGE_HEAD)) return this.onLine(line);
    let message: { v?: unknown; k?: unknown };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      return;
    }
    if (typeof message.k === 'number') {
      if (message.k > conn.acked) conn.acked = message.k;
      conn.confirmed = message.k;
      this.runCatchUps();
    } else if (typeof message.v === 'number' && message.v >= 2 && !conn.routes) {
      conn.routes = true;
      // Before this it filtered nothing; tell it what was declared last (what is due follows).
      conn.acked = this.declarationSeq;
      const interest = this.interest;
      if (interest === null) return;
      const what = interest.declaredAll ? '"a":1' : '"n":' + JSON.stringify([...interest.declared]);
      conn.socket.write(`{"s":${this.declarationSeq},${what},"c":${conn.acked}}\n`);
    } else this.onLine(line);
  }

  /**
   * From now on hear only the changes of the names `interest` is told are wanted (or of every name
   * while wantAll(true)); until then, and in a process that never calls this, every change.
   */
  narrow(): ChangeInterest {
    if (this.interest === null) {
      // The peers take every name until told: the first declaration says the whole set.
      this.interest = { all: false, names: new Set(), dirty: new Set(), declaredAll: true, declared: new Set(), due: false };
      this.declareSoon();
    }
    const interest = this.interest;
    return {
      want: (name) => {
        interest.names.add(name);
        interest.dirty.add(name);
        this.declareSoon();
      },
      unwant: (name) => {
        interest.names.delete(name);
        interest.dirty.add(name);
        this.declareSoon();
      },
      wantAll: (on) => {
        interest.all = on;
        this.declareSoon();
      },
    };
  }

  private declareSoon(): void {
    const interest = this.interest;
    if (interest === null || interest.due || this.closed) return;
    interest.due = true;
    setImmediate(() => this.declare());
  }

  /** Tell the routing publishers connected here what changed in the names wanted (one line each). */
  private declare(): void {
    const interest = this.interest;
    if (interest === null) return;
    interest.due = false;
    let what: string | null = null;
    let added: string[] = [];
    if (interest.all) {
      if (!interest.declaredAll) {
        what = '"a":1';
        // Names wanted since the last declaration (a SELECT read the index before it said so): the
        // publishers' resend covers only what they left out since the last acknowledgement known.
        for (const name of interest.dirty) if (interest.names.has(name) && !interest.declared.has(name)) added.push(name);
      }
      interest.declaredAll = true;
    } else if (interest.declaredAll) {
      // Back from every name: the whole set (the names were covered until now, none to catch up).
      interest.declaredAll = false;
      interest.declared = new Set(interest.names);
      what = '"n":' + JSON.stringify([...interest.declared]);
    } else {
      const removed: string[] = [];
      for (const name of interest.dirty) {
        const wanted = interest.names.has(name);
        if (wanted === interest.declared.has(name)) continue;
        if (wanted) {
          interest.declared.add(name);
          added.push(name);
        } else {
          interest.declared.delete(name);
          removed.push(name);
        }
      }
      if (added.length > 0 || removed.length > 0) what = '"+":' + JSON.stringify(added) + ',"-":' + JSON.stringify(removed);
    }
    interest.dirty.clear();
    if (what === null || this.closed) return;
    const seq = ++this.declarationSeq;
    let waiting = false;
    for (const conn of this.incoming.values()) {
      if (!conn.routes || conn.socket.destroyed) continue;
      conn.socket.write(`{"s":${seq},${what},"c":${conn.acked}}\n`);
      waiting = true;
    }
    if (waiting && added.length > 0) this.catchUps.push({ seq, names: added });
  }

  /** Tell the listeners of the names whose declaration every routing publisher has now applied. */
  private runCatchUps(): void {
    if (this.catchUps.length === 0) return;
    let least = Infinity;
    for (const conn of this.incoming.values()) if (conn.routes && !conn.socket.destroyed && conn.acked < least) least = conn.acked;
    while (this.catchUps.length > 0 && this.catchUps[0]!.seq <= least) {
      for (const name of this.catchUps.shift()!.names) this.deliver(name, true);
    }
  }

  private dropPeer(id: number): void {
    const peer = this.peers.get(id);
    if (peer === undefined) return;
    this.peers.delete(id);
    peer.connected = false;
    peer.socket.destroy();
  }

  private dropPeers(): void {
    for (const id of [...this.peers.keys()]) this.dropPeer(id);
  }

  private open(): void {
    const socket = net.createConnection(this.path);
    this.socket = socket;
    socket.unref();
    const feed = splitLines((line) => this.onLine(line));
    socket.on('connect', () => {
      this.connected = true;
      this.retryDelay = 50;
      // A new hub connection starts unmuted: say it before the listening socket is announced.
      if (this.muted) socket.write(JSON.stringify({ q: true }) + '\n');
      this.announce();
      for (const line of this.queue) socket.write(line);
      this.queue = [];
      this.logger.debug({ path: this.path }, 'notify channel connected');
    });
    socket.on('data', (chunk: Buffer) => {
      if (!feed(chunk)) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const wasConnected = this.connected;
      this.connected = false;
      this.socket = null;
      this.queue = [];
      // The ids were the old hub's: a new hub announces the peers again.
      this.dropPeers();
      this.relays = null;
      if (this.closed) return;
      if (wasConnected) this.logger.info({ path: this.path }, 'notify channel lost, reconnecting');
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (!this.closed) this.open();
      }, this.retryDelay);
      this.retryTimer.unref();
      this.retryDelay = Math.min(this.retryDelay * 2, 2000);
    });
  }

  private deliver(mailbox: string, remote: boolean, facts?: AppendFacts): void {
    this.call(this.listeners, mailbox, facts);
    if (remote) this.call(this.remoteListeners, mailbox, facts);
  }

  private call(listeners: ReadonlySet<Listener>, mailbox: string, facts: AppendFacts | undefined): void {
    for (const listener of listeners) {
      try {
        listener(mailbox, facts);
      } catch (err) {
        this.logger.error({ err, mailbox }, 'notify listener failed');
      }
    }
  }

  /** Tell every process (this one included) that `mailbox` changed (`facts`: what an append did). */
  publish(mailbox: string, facts?: AppendFacts): void {
    if (this.closed || /[\r\n]/.test(mailbox)) return;
    if (this.listeners.size > 0) queueMicrotask(() => this.deliver(mailbox, false, facts));
    const text = factsText(facts);
    if (this.batch !== null) {
      // Not the first of this turn: written with the others of the turn when it ends (with the
      // facts of the last append: a session at the state before an earlier one reads the index).
      this.batch.delete(mailbox);
      this.batch.set(mailbox, text);
      return;
    }
    this.write([mailbox], [text]);
    this.batch = new Map();
    setImmediate(() => this.flushBatch());
  }

  /** Write the names gathered since the first publish of the turn (each once). */
  private flushBatch(): void {
    const batch = this.batch;
    this.batch = null;
    if (batch !== null && batch.size > 0) this.write([...batch.keys()], [...batch.values()]);
  }

  /**
   * The changes of `names` (with `facts[i]` for names[i]), one write to each peer reached, and one
   * to the hub when another process may need its relay.
   */
  private write(names: readonly string[], facts: ReadonlyArray<string | null>): void {
    let direct: string | null = null;
    let reached: number[] | null = null;
    let missed = false;
    // Straight to the peers first (their sessions wake without the master), then the hub for the rest.
    for (const [id, peer] of this.peers) {
      if (!peer.connected || peer.socket.destroyed || peer.socket.writableLength > MAX_BACKLOG) {
        missed = true;
        continue;
      }
      // Reached, whether written to or not: the hub relays nothing to it either.
      (reached ??= []).push(id);
      let text: string;
      if (peer.wants === null) {
        if (direct === null) {
          direct = '';
          for (let i = 0; i < names.length; i++) direct += changeLine(names[i]!, facts[i] ?? null);
        }
        text = direct;
      } else {
        text = '';
        for (let i = 0; i < names.length; i++) {
          const name = names[i]!;
          if (peer.wants.has(name)) text += changeLine(name, facts[i] ?? null);
          else this.skip(peer, name);
        }
        if (text === '') continue;
      }
      peer.socket.write(text);
      this.changeWrites++;
    }
    // Every process that hears changes was reached: the master need not wake.
    if (!missed && this.relays === 0 && this.connected) return;
    let text = '';
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const f = facts[i] ?? null;
      text += reached === null ? changeLine(name, f) : JSON.stringify(f === null ? { m: name, d: reached } : { m: name, d: reached, f }) + '\n';
    }
    if (this.connected && this.socket) {
      this.socket.write(text);
      this.changeWrites++;
    } else if (this.socket && this.queue.length < 10_000) this.queue.push(text);
  }

  /** Leave `name` out for `peer` (it does not want it), remembered for its next {"a":1}. */
  private skip(peer: Peer, name: string): void {
    this.changesSkipped++;
    if (peer.skipped.size >= MAX_SKIPPED && !peer.skipped.has(name)) {
      for (const [other, seq] of peer.skipped) if (seq < peer.seq) peer.skipped.delete(other);
    }
    peer.skipped.set(name, peer.seq);
  }

  /** Call `listener` with the name of every mailbox that changes; returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.unmute();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Call `listener` with the name of every mailbox another process changes (the ChangeChannel a
   * worker gives its service program: the program hears its own changes from its own store, and
   * hearing them twice woke every IDLE session twice per change).
   */
  subscribeRemote(listener: Listener): () => void {
    this.unmute();
    this.remoteListeners.add(listener);
    return () => this.remoteListeners.delete(listener);
  }

  /** Flush what was published and disconnect. */
  async close(): Promise<void> {
    // What this turn published and has not written yet goes before the connections end.
    this.flushBatch();
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.listeners.clear();
    this.remoteListeners.clear();
    await this.closeDirect();
    const socket = this.socket;
    if (!socket) return;
    if (!this.connected && this.queue.length > 0) {
      // Publishes made right after connect: give the connection attempt a moment to deliver them.
      socket.ref();
      await new Promise<void>((resolvePromise) => {
        const done = () => resolvePromise();
        socket.once('connect', done);
        socket.once('close', done);
        setTimeout(done, 1000).unref();
      });
    }
    if (!this.connected || socket.destroyed) {
      socket.destroy();
      return;
    }
    await new Promise<void>((resolvePromise) => {
      socket.once('close', () => resolvePromise());
      // The socket is unref'd so it never keeps a process alive; while closing it must, or a
      // process whose last task is this close would exit before the flush.
      socket.ref();
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  /** Stop listening and end the peer connections (what was written to them is flushed by end()). */
  private async closeDirect(): Promise<void> {
    for (const peer of this.peers.values()) peer.socket.end();
    this.peers.clear();
    for (const socket of this.incoming.keys()) socket.destroy();
    this.incoming.clear();
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
    if (this.listenPath !== null) rmSync(this.listenPath, { force: true });
    this.listenPath = null;
  }
}
