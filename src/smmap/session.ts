/**
 * One smmapd connection: netstring requests in, one netstring reply each, in order, for as long
 * as the MTA keeps the connection (Postfix and Sendmail reuse it for many lookups). Requests are
 * answered one at a time; a client that sends many ahead is stopped (the socket paused) once
 * `maxQueuedRequests` wait, and so is one that does not read its answers (the socket's write buffer
 * full), until they have gone out. A request that is a netstring but not "MAPNAME KEY" gets PERM and the
 * connection goes on; broken framing (not a netstring, a length over the limit) gets PERM and the
 * connection is closed, since nothing after it can be trusted to start a request.
 */
import type net from 'node:net';
import { attachSocket, hangUp, newSessionId, sessionListeners, type Logger, type SocketListeners, type SocketOrigin } from '../common/index.js';
import type { SmmapDeps } from './deps.js';
import { lookup } from './lookup.js';
import { NetstringReader, type NetstringEvent } from './wire/netstring.js';
import { parseRequest, serializeReply, type MapReply } from './wire/request.js';

export interface SmmapSessionOptions extends SocketOrigin {
  onClose?: () => void;
}

export class SmmapSession {
  readonly id = newSessionId();
  private readonly log: Logger;
  private readonly reader: NetstringReader;
  private readonly listeners: SocketListeners;
  private readonly waiting: NetstringEvent[] = [];
  private answering = false;
  /** The socket's write buffer is full: nothing more is read until it drains. */
  private writeBlocked = false;
  private ended = false;
  private lookups = 0;

  constructor(
    private readonly deps: SmmapDeps,
    private readonly socket: net.Socket,
    private readonly options: SmmapSessionOptions,
  ) {
    this.log = deps.logger.child({ session: this.id, service: deps.serviceName });
    this.reader = new NetstringReader(deps.limits.maxRequestLength);
    this.listeners = sessionListeners(this.log, (chunk) => this.onData(chunk), () => this.onClosed());
  }

  /** A lookup is being answered (a shutdown lets it finish). */
  get busy(): boolean {
    return this.answering;
  }

  start(): void {
    attachSocket(this.socket, this.listeners);
    this.socket.setTimeout(this.deps.limits.idleTimeoutMs, () => {
      this.log.debug('idle timeout');
      this.end();
    });
    // An MTA's map connection never logs in: it is not counted among the connections waiting to.
    this.options.loginGate?.passed();
    this.log.debug({ remote: this.options.unixSocket ? 'unix' : this.options.remoteAddress }, 'connection');
  }

  /** Close now if idle, else right after the answer being made. */
  shutdown(): void {
    this.waiting.length = 0;
    if (!this.answering) this.end();
    else this.ended = true;
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    this.waiting.push(...this.reader.push(chunk));
    if (this.writeBlocked || this.waiting.length >= this.deps.limits.maxQueuedRequests) this.socket.pause();
    void this.answer();
  }

  /** Answer the waiting requests in order, one at a time. */
  private async answer(): Promise<void> {
    if (this.answering) return;
    this.answering = true;
    try {
      for (let event = this.waiting.shift(); event !== undefined && !this.ended; event = this.waiting.shift()) {
        if (event.kind === 'error') {
          this.log.info({ reason: event.reason }, 'bad request: connection closed');
          this.reply({ status: 'PERM', reason: event.reason });
          this.end();
          return;
        }
        const request = parseRequest(event.bytes);
        if ('error' in request) {
          this.log.info({ reason: request.error }, 'bad request');
          this.reply({ status: 'PERM', reason: request.error });
          continue;
        }
        this.lookups++;
        this.reply(await lookup(this.deps, request, this.log));
        this.readOnIfRoom();
      }
    } finally {
      this.answering = false;
      if (this.ended) this.end();
    }
  }

  private reply(reply: MapReply): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    if (!this.socket.write(serializeReply(reply)) && !this.writeBlocked) {
      this.writeBlocked = true;
      this.socket.pause();
      this.socket.once('drain', () => {
        this.writeBlocked = false;
        this.readOnIfRoom();
      });
    }
  }

  /** Read again when neither the requests waiting nor the answers unwritten hold it back. */
  private readOnIfRoom(): void {
    if (this.ended || this.writeBlocked || this.waiting.length >= this.deps.limits.maxQueuedRequests) return;
    if (this.socket.isPaused()) this.socket.resume();
  }

  private end(): void {
    this.ended = true;
    hangUp(this.socket, this.listeners);
  }

  private onClosed(): void {
    this.ended = true;
    this.waiting.length = 0;
    if (this.reader.midway) this.log.debug('client closed in the middle of a request');
    this.log.debug({ lookups: this.lookups }, 'connection closed');
    this.options.onClose?.();
  }
}
