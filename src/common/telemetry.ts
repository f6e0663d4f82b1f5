/**
 * Cyrus's per-user protocol telemetry: when {configdirectory}/log/USER is a directory, the sessions
 * that log in as USER keep a trace of what the client sent and what the server answered, from the
 * login on, in a file of that directory. An admin's opt-in debugging trace (it holds message
 * contents, as Dovecot's rawlog does): nothing is written for a user without the directory, and
 * nothing that came before the login (the password) reaches the file.
 *
 * The content is Cyrus's: a header line `---------- USER <ctime>` (ctime's own newline, then one
 * more), then each chunk the session read marked `<T<` and each chunk it wrote marked `>T>`, T the
 * Unix time in seconds; with `logtimestamps` on, T is instead the seconds since the previous mark
 * (the notation the option names). The file is named `<pid>-<sessionid>`: one session per file, found
 * by the worker's process id as in Cyrus (whose one-session processes use the bare pid).
 *
 * The file is made with the first chunk (a session that moves to another worker right after its
 * login, before answering, leaves no empty file here). Writes go through a write stream: the
 * session never waits for the disk. A failed open or write ends that session's trace with one log
 * line; the session goes on.
 */
import { createWriteStream, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { ImapdConfig } from '../config/index.js';
import type { Logger } from './log.js';

/** Output waiting for the disk past this ends the trace (a disk far slower than the client). */
const MAX_QUEUED = 32 * 1024 * 1024;

/** Opens the trace of a session that just logged in as `userid`; null when the user has no log directory. */
export type TelemetryOpener = (userid: string, sessionId: string) => Telemetry | null;

export interface TelemetrySettings {
  /** {configdirectory}/log: one subdirectory per traced user. */
  logDirectory: string;
  /** logtimestamps: seconds since the previous mark instead of the time of day. */
  relativeTimes: boolean;
  logger: Logger;
  /** Process id in the file name (tests). */
  pid?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** A session's response writer, which hands what it writes to a trace (each protocol has its own). */
export interface TracedWriter {
  traceWrites(trace: ((data: string | Buffer) => void) | null): void;
}

/**
 * At login: `userid`'s trace of this session (null when the user has no log directory or the
 * service keeps none), its writer's output going to it from now on.
 */
export function startTrace(open: TelemetryOpener | undefined, userid: string, sessionId: string, writer: TracedWriter): Telemetry | null {
  const telemetry = open?.(userid, sessionId) ?? null;
  if (telemetry !== null) writer.traceWrites((data) => telemetry.output(data));
  return telemetry;
}

/** The trace ends (logout, UNAUTHENTICATE, end of the session): the writer stops feeding it and the file is closed. Returns null, the session's new trace. */
export function endTrace(telemetry: Telemetry | null, writer: TracedWriter): null {
  writer.traceWrites(null);
  telemetry?.close();
  return null;
}

/** The opener a service uses, from imapd.conf (configdirectory, logtimestamps). */
export function telemetryFromConfig(config: ImapdConfig, logger: Logger): TelemetryOpener {
  const settings: TelemetrySettings = {
    logDirectory: join(config.configDirectory, 'log'),
    relativeTimes: config.bool('logtimestamps'),
    logger,
  };
  return (userid, sessionId) => openTelemetry(settings, userid, sessionId);
}

/**
 * The trace of `userid`'s session, when log/USERID is a directory (one stat, at login: a directory
 * made later is found by the next login, no restart). A userid that could leave the log directory
 * (a slash, `.`, `..`) is never traced.
 */
export function openTelemetry(settings: TelemetrySettings, userid: string, sessionId: string): Telemetry | null {
  if (!tracedName(userid) || !tracedName(sessionId)) return null;
  const dir = join(settings.logDirectory, userid);
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) return null;
  const file = join(dir, `${settings.pid ?? process.pid}-${sessionId}`);
  return new Telemetry(file, userid, settings);
}

function tracedName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

export class Telemetry {
  /** null: not made yet (no chunk so far), or (ended) closed or failed. */
  private stream: WriteStream | null = null;
  private ended = false;
  private failed = false;
  private lastMarkMs: number;
  private readonly now: () => number;
  /** The header, written when the file is made; the time is the login's, as in Cyrus. */
  private readonly header: string;

  constructor(
    readonly file: string,
    userid: string,
    private readonly settings: TelemetrySettings,
  ) {
    this.now = settings.now ?? Date.now;
    this.lastMarkMs = this.now();
    this.header = `---------- ${userid} ${ctime(new Date(this.lastMarkMs))}\n`;
  }

  /** Still tracing (false after close or a failure). */
  get active(): boolean {
    return !this.ended;
  }

  private open(): WriteStream {
    // Readable by the server's user alone: the trace holds message contents.
    const stream = createWriteStream(this.file, { flags: 'a', mode: 0o600 });
    stream.on('error', (err: NodeJS.ErrnoException) => this.fail(err.code ?? err.message));
    stream.write(this.header);
    this.stream = stream;
    return stream;
  }

  /** Bytes the session read from the client (after TLS and decompression: what the protocol sees). */
  input(data: Buffer): void {
    this.record('<', data);
  }

  /** Bytes the session wrote (before compression and TLS). */
  output(data: string | Buffer): void {
    this.record('>', data);
  }

  /** The session ended: what is queued is written, then the file is closed. */
  close(): void {
    const stream = this.stream;
    this.stream = null;
    this.ended = true;
    stream?.end();
  }

  private record(direction: '<' | '>', data: string | Buffer): void {
    if (this.ended || data.length === 0) return;
    const stream = this.stream ?? this.open();
    if (stream.writableLength > MAX_QUEUED) {
      this.fail('disk too slow');
      return;
    }
    const nowMs = this.now();
    const mark = this.settings.relativeTimes ? Math.floor((nowMs - this.lastMarkMs) / 1000) : Math.floor(nowMs / 1000);
    this.lastMarkMs = nowMs;
    stream.write(`${direction}${mark}${direction}`);
    // A Buffer the session may reuse is copied; a string is immutable.
    stream.write(typeof data === 'string' ? data : Buffer.from(data));
  }

  /** One log line per trace, whether the failure comes before or after close(). */
  private fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.ended = true;
    this.stream?.destroy();
    this.stream = null;
    this.settings.logger.warn({ file: this.file, err: reason }, 'telemetry log stopped');
  }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** C's ctime(3) in local time, its newline included: `Sat Dec  5 06:51:03 2026\n`. */
export function ctime(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, ' ');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${day} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}\n`;
}
