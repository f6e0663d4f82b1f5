/**
 * Which sessions of the process a mailbox change concerns (ImapServer.mailboxChanged): those that
 * have the mailbox selected, by name, and those that asked for NOTIFY (any name may concern them).
 * Under load every change reached every session of the worker before (issue 16: 4 clients per
 * user over 20 users, a change between almost every two commands); now only these.
 *
 * The same filing tells the change hub which names the process wants (reportTo: the first session
 * to select a name, the last to leave it, the first and last NOTIFY session), so that other
 * processes send it only those (src/master/notify.ts); the hub keeps that declaration race-free.
 */
import type { AppendFacts, ChangeInterest } from '../../common/index.js';

/** What the index needs of a session. */
export interface Watcher {
  /** The selected mailbox's internal name, or null. */
  readonly watchedMailbox: string | null;
  /** NOTIFY state made (the session may want to hear of any mailbox). */
  readonly watchesAll: boolean;
  mailboxChanged(name: string, facts?: AppendFacts): void;
}

export class Watchers<S extends Watcher> {
  private readonly bySelected = new Map<string, Set<S>>();
  private readonly all = new Set<S>();
  /** Where each session is filed now (to move it when that changes). */
  private readonly filed = new Map<S, string | null>();
  /** Where the names wanted go (the change channel), once reportTo was called. */
  private interest: ChangeInterest | null = null;
  /** Names no session selects any more, still declared wanted, with when the last one left. */
  private readonly lingering = new Map<string, number>();
  private sweeper: NodeJS.Timeout | null = null;

  /**
   * `lingerMs`: a name the last session left stays wanted this long. A user who logs out and in
   * again (POP3-style polling, login/logout churn) would otherwise send a declaration to every
   * process of the server at each login and each logout (imap-load churn: every worker, pop3d and
   * lmtpd included, woke for each, and logins per second fell by a third); a change of a lingering
   * name costs this process one lookup that finds no session.
   */
  constructor(private readonly lingerMs = 0) {}

  /** Keep `interest` told of the names the sessions want, starting with those they want now. */
  reportTo(interest: ChangeInterest): void {
    this.interest = interest;
    for (const name of this.bySelected.keys()) interest.want(name);
    interest.wantAll(this.all.size > 0);
  }

  /** File `session` again after its selected mailbox or its NOTIFY state changed (or it closed: `gone`). */
  update(session: S, gone = false): void {
    const before = this.filed.get(session) ?? null;
    const now = gone ? null : session.watchedMailbox;
    if (before !== now) {
      if (before !== null) {
        const set = this.bySelected.get(before);
        set?.delete(session);
        if (set?.size === 0) {
          this.bySelected.delete(before);
          this.left(before);
        }
      }
      if (now !== null) {
        let set = this.bySelected.get(now);
        if (set === undefined) {
          this.bySelected.set(now, (set = new Set()));
          // Still declared while it lingers: nothing to tell.
          if (!this.lingering.delete(now)) this.interest?.want(now);
        }
        set.add(session);
      }
    }
    if (now === null) this.filed.delete(session);
    else this.filed.set(session, now);
    const allBefore = this.all.size > 0;
    if (!gone && session.watchesAll) this.all.add(session);
    else this.all.delete(session);
    if (allBefore !== this.all.size > 0) this.interest?.wantAll(!allBefore);
  }

  private left(name: string): void {
    if (this.interest === null) return;
    if (this.lingerMs <= 0) {
      this.interest.unwant(name);
      return;
    }
    this.lingering.set(name, Date.now());
    if (this.sweeper === null) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(10, this.lingerMs / 2));
      this.sweeper.unref();
    }
  }

  /** Unwant the names that lingered their time; stop sweeping when none is left. */
  private sweep(): void {
    const due = Date.now() - this.lingerMs;
    for (const [name, since] of this.lingering) {
      if (since > due) continue;
      this.lingering.delete(name);
      this.interest?.unwant(name);
    }
    if (this.lingering.size === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  /** Tell the sessions `name` concerns that it changed (`facts`: what an append did). */
  changed(name: string, facts?: AppendFacts): void {
    for (const session of this.all) session.mailboxChanged(name, facts);
    const selected = this.bySelected.get(name);
    if (selected === undefined) return;
    for (const session of selected) if (!this.all.has(session)) session.mailboxChanged(name, facts);
  }

  /** Sessions filed under `name` (tests). */
  selecting(name: string): number {
    return this.bySelected.get(name)?.size ?? 0;
  }
}
