import fs from 'node:fs';
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LogOptions {
  /** Program or service name, e.g. "master", "imap", "lmtp". */
  name: string;
  level?: LevelWithSilent;
  /** Pretty, human-readable lines; defaults to true when stderr is a terminal. */
  pretty?: boolean;
  /** Write to this file descriptor instead of stderr (2). */
  fd?: number;
}

/**
 * One structured JSON line per event (pino). Passwords and message bodies must never be
 * logged: the redact list below is a last line of defence, not a licence.
 */
export function createLogger(opts: LogOptions): Logger {
  const level = opts.level ?? (process.env.CYRUSTS_LOG_LEVEL as LevelWithSilent | undefined) ?? 'info';
  const pretty = opts.pretty ?? (process.stderr.isTTY === true && process.env.CYRUSTS_LOG_JSON !== '1');
  const base = { name: opts.name, pid: process.pid };
  const redact = { paths: ['password', 'pass', '*.password', 'secret', '*.secret', 'body'], censor: '[redacted]' };
  if (pretty) {
    const transport = pino.transport({
      target: 'pino-pretty',
      options: { destination: opts.fd ?? 2, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'hostname' },
    });
    return pino({ level, base, redact }, transport);
  }
  const destination = pino.destination({ fd: opts.fd ?? 2, sync: false });
  boundExitFlush(destination);
  return pino({ level, base, redact }, destination);
}

/** How long the last flush before exit may wait for a log reader that does not read. */
export const EXIT_FLUSH_LIMIT_MS = 2000;

/**
 * Make the destination's synchronous flush (pino runs it when the process exits) give up on a
 * descriptor that cannot take the lines. sonic-boom's flushSync retries every failed write every
 * 100 ms until it succeeds: with the log reader gone (EPIPE) it never does, and a master told to
 * stop hung at exit for ever. Here a write that fails for any reason but a full pipe, or that still
 * finds the pipe full after `limitMs`, counts as written: the rest of the lines are dropped, which
 * is all that can happen to them. sonic-boom calls `fs.writeSync` through the fs module object at
 * every write, so the guard swaps that function for the flush's duration only (it is synchronous:
 * no other code runs meanwhile) and puts it back.
 */
export function boundExitFlush(destination: { flushSync(): void }, limitMs = EXIT_FLUSH_LIMIT_MS): void {
  const flushSync = destination.flushSync.bind(destination);
  destination.flushSync = () => {
    const writeSync = fs.writeSync;
    const deadline = Date.now() + limitMs;
    const guarded = (fd: number, data: string | NodeJS.ArrayBufferView, ...rest: unknown[]): number => {
      try {
        return (writeSync as (...args: unknown[]) => number)(fd, data, ...rest);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if ((code === 'EAGAIN' || code === 'EBUSY') && Date.now() < deadline) throw err;
        return typeof data === 'string' ? Buffer.byteLength(data, typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8') : data.byteLength;
      }
    };
    fs.writeSync = guarded as typeof fs.writeSync;
    try {
      flushSync();
    } finally {
      fs.writeSync = writeSync;
    }
  };
}

/** A logger that drops everything: for tests and library use without a host program. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
