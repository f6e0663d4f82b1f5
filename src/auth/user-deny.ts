/**
 * What a deny-list entry (cyr_deny, user_deny.db in the store) means at login: whether its list of
 * service patterns covers the service being logged in to, and what the client is told.
 *
 * The services are a comma-separated list of wildmat patterns, matched against the service's
 * name as cyrus.conf names it (imap, imaps, pop3, sieve, ...). As in Cyrus, the list is read from
 * right to left and the first pattern that matches decides: a plain pattern denies, one written
 * "!pattern" allows. A service no pattern matches is allowed. So "*,!imaps" denies everything but
 * imaps, and "!imaps,*" denies everything.
 */
import type { Logger } from '../common/log.js';
import type { Identity } from './identity.js';
import { MailError, isMailError } from '../common/errors.js';
import { UserDenyList } from '../store/index.js';

/** What a denied user is told when the admin gave no message (Cyrus's words). */
export const DEFAULT_DENY_MESSAGE = 'Access to this service has been blocked';

/** Longest message sent to a client (the rest is cut). */
const MAX_MESSAGE_CHARS = 400;

/**
 * Whether `text` matches the wildmat `pattern`: `*` any run of characters, `?` any one, `[set]` one
 * of a set (ranges a-z; `[^set]` or `[!set]` one not in it; a `]` first is a member), `\x` x itself.
 * Case matters, as in Cyrus.
 */
export function wildmatMatches(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  // The last `*` seen and the text position it was tried from: on a mismatch, it takes one more character.
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length) {
      const c = pattern[p]!;
      if (c === '*') {
        starP = p++;
        starT = t;
        continue;
      }
      const step = matchOne(text[t]!, pattern, p);
      if (step > 0) {
        p += step;
        t++;
        continue;
      }
    }
    if (starP < 0) return false;
    p = starP + 1;
    t = ++starT;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** How many pattern characters the element at `p` spans when it matches `ch`; 0 when it does not. */
function matchOne(ch: string, pattern: string, p: number): number {
  const c = pattern[p]!;
  if (c === '?') return 1;
  if (c === '\\' && p + 1 < pattern.length) return pattern[p + 1] === ch ? 2 : 0;
  if (c !== '[') return c === ch ? 1 : 0;
  let i = p + 1;
  const negated = pattern[i] === '^' || pattern[i] === '!';
  if (negated) i++;
  let found = false;
  let first = true;
  for (; i < pattern.length && (first || pattern[i] !== ']'); i++, first = false) {
    let lo = pattern[i]!;
    if (lo === '\\' && i + 1 < pattern.length) lo = pattern[++i]!;
    if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      let hi = pattern[i + 2]!;
      i += 2;
      if (hi === '\\' && i + 1 < pattern.length) hi = pattern[++i]!;
      if (ch >= lo && ch <= hi) found = true;
    } else if (ch === lo) {
      found = true;
    }
  }
  // No closing bracket: the "[" is an ordinary character.
  if (i >= pattern.length) return ch === '[' ? 1 : 0;
  return found !== negated ? i + 1 - p : 0;
}

/** Whether the comma-separated patterns `services` deny `service` (right to left, first match decides). */
export function servicesDeny(services: string, service: string): boolean {
  const patterns = services.split(',');
  for (let i = patterns.length - 1; i >= 0; i--) {
    const raw = patterns[i]!.trim();
    const allows = raw.startsWith('!');
    if (wildmatMatches(service, allows ? raw.slice(1) : raw)) return !allows;
  }
  return false;
}

/** The admin's message as one safe line for any protocol: no controls, no leading "[" (as Cyrus), bounded. */
export function denyMessageText(message: string | null): string {
  const text = (message ?? '').replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/^[\s[]+/, '').trim().slice(0, MAX_MESSAGE_CHARS);
  return text === '' ? DEFAULT_DENY_MESSAGE : text;
}

/**
 * The login-time check, one per Authenticator: user_deny.db is opened on first need (and looked
 * for again at each login while it does not exist: cyr_deny may create it at any time).
 */
export class UserDenyCheck {
  private list: UserDenyList | null = null;
  private seenVersion: number | null = null;

  constructor(
    private readonly file: string | null,
    private readonly durable: boolean,
    private readonly logger: Logger,
  ) {}

  /**
   * Throws MailError NoPerm (detail.userDenied, detail.denyMessage: the line to show the client)
   * when canonical `userid` is denied `service`. A deny list that cannot be read denies nobody
   * (logged), as in Cyrus.
   */
  check(userid: string, service: string): void {
    const message = this.denial(userid, service);
    if (message === null) return;
    throw new MailError('NoPerm', `user ${userid} is denied access to service ${service}`, { userDenied: true, denyMessage: message });
  }

  /** The line to show `userid` when the list denies it `service` now, else null (an unreadable list denies nobody, logged). */
  denial(userid: string, service: string): string | null {
    const entry = this.read((list) => list.entry(userid), null);
    if (entry === null || !servicesDeny(entry.services, service)) return null;
    this.logger.info({ service, userid, services: entry.services }, 'access denied (cyr_deny)');
    return denyMessageText(entry.message);
  }

  /**
   * Whether the list changed since the last call (another process committed to it, or it
   * appeared); the first call that finds a list says true. One cheap read of SQLite's data_version.
   */
  changed(): boolean {
    const version = this.read((list) => list.version(), null);
    if (version === null || version === this.seenVersion) return false;
    this.seenVersion = version;
    return true;
  }

  /**
   * `use` of the list, opened on first need; `none` when there is no list (no file configured, or
   * none written yet) or it cannot be read (logged: an unreadable list denies nobody, as in Cyrus).
   */
  private read<T, N>(use: (list: UserDenyList) => T, none: N): T | N {
    if (this.file === null) return none;
    try {
      this.list ??= UserDenyList.open(this.file, { durable: this.durable, create: false });
      return this.list === null ? none : use(this.list);
    } catch (err) {
      if (!isMailError(err)) throw err;
      this.logger.warn({ err: err.message, file: this.file }, 'user_deny.db cannot be read; nobody is denied');
      return none;
    }
  }

  close(): void {
    this.list?.close();
    this.list = null;
  }
}

/** A session the deny sweep may end (an IMAP or POP3 session of this process). */
export interface DeniableSession {
  /** Who the session is logged in as; null before login and after logout. */
  readonly loggedInAs: Identity | null;
  /** End the session, telling the client `message` where the protocol has a way to. */
  endDenied(message: string): void;
}

/** What the sweep asks of the authenticator (Authenticator is one). */
export interface DenyJudge {
  denyListChanged(): boolean;
  denialOf(identity: Identity, service: string): string | null;
}

/** How often a server looks whether cyr_deny changed the list. */
export const DENY_SWEEP_MS = 2000;

/**
 * End the logged-in sessions whose user cyr_deny denies `service`, as Cyrus's cyr_deny does (it
 * signals the user's processes): every `intervalMs` the server looks whether the list changed, and
 * only then asks about each logged-in session's user. Sessions in IDLE are ended too. Returns the
 * function that stops the sweep.
 */
export function sweepDenied(judge: DenyJudge, service: string, sessions: () => Iterable<DeniableSession>, intervalMs = DENY_SWEEP_MS): () => void {
  const timer = setInterval(() => {
    if (!judge.denyListChanged()) return;
    for (const session of sessions()) {
      const identity = session.loggedInAs;
      if (identity === null) continue;
      const message = judge.denialOf(identity, service);
      if (message !== null) session.endDenied(message);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
