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
  return pino({ level, base, redact }, pino.destination({ fd: opts.fd ?? 2, sync: false }));
}

/** A logger that drops everything: for tests and library use without a host program. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
