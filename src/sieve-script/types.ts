/**
 * The shapes the language shares with its callers (re-exported by index.ts) and with its
 * interpreter: kept here so that neither imports the other for them.
 */
import type { GlobCache } from './match.js';
import type { Command, IncludeLocation } from './program.js';

export type { IncludeLocation } from './program.js';

/** The checked program inside a CompiledScript (internal to the language). */
export interface CompiledProgram {
  readonly commands: readonly Command[];
  readonly globs: GlobCache;
  /** What the script required, and what an `ihave` test enabled inside its block (RFC 5463). */
  readonly requires: ReadonlySet<string>;
  /** The extensions the server allowed when the script was compiled: what an `ihave` test asks about. */
  readonly extensions: ReadonlySet<string>;
}

/** fcc (RFC 8580): store a copy of what a vacation or notify sends, as fileinto would file it (its flags, or none). */
export interface FccAction {
  mailbox: string;
  create: boolean;
  flags: readonly string[];
  specialUse?: string;
  mailboxId?: string;
}

/** What a script sees of the message being delivered. */
export interface SieveMessage {
  /** The raw header block (up to and including the blank line), CRLF line ends. */
  readonly header: Buffer;
  /** The whole message (for the body test), CRLF line ends. */
  readonly content: Buffer;
  /** Its size in octets. */
  readonly size: number;
}

/** The delivery the script runs for. */
export interface SieveEnvironment {
  /** SMTP MAIL FROM without the brackets; "" for the null reverse-path <>. */
  readonly envelopeFrom: string;
  /** The recipient address as given in RCPT TO, without the brackets ("fred+lists@example.com"). */
  readonly envelopeTo: string;
  /** The user's own addresses, for vacation's "was this sent to me" check (RFC 5230 4.5). */
  readonly userAddresses: readonly string[];
  /** Whether a mailbox exists (mailboxexists, RFC 5490), by the name the script wrote. */
  mailboxExists(name: string): boolean;
  /** The current time for currentdate (RFC 5260); without it currentdate never matches. */
  readonly now?: Date;
  /** The server's time zone as "+hhmm" / "-hhmm" for date and currentdate; default "+0000". */
  readonly zone?: string;
  /**
   * duplicate (RFC 7352): whether this handle and unique id were recorded and are still in force.
   * Without it nothing is ever a duplicate.
   */
  duplicateSeen?(handle: string, id: string): boolean;
  /**
   * environment (RFC 5183): the items this execution context knows, by lower-case name ("domain",
   * "host", "location", "name", "phase", "remote-host", "remote-ip", "version"). An item missing
   * here is unknown, and a test of it is false.
   */
  readonly items?: Readonly<Record<string, string>>;
  /**
   * mboxmetadata / servermetadata (RFC 5490): the value of an annotation (a full name such as
   * "/private/comment") of the user's mailbox `mailbox` as the script wrote it, or of the server
   * when `mailbox` is null; null when the mailbox or the entry is not there or not readable.
   */
  metadata?(mailbox: string | null, entry: string): string | null;
  /**
   * special-use (RFC 8579): the name (as the script would write it) of the user's mailbox that has
   * this special use ("\\Junk"), or null when there is none.
   */
  specialUseMailbox?(use: string): string | null;
  /** special-use: whether the mailbox (null: any of the user's) has every one of these uses. */
  hasSpecialUse?(mailbox: string | null, uses: readonly string[]): boolean;
  /** mailboxid (RFC 9042): whether a mailbox the user can see has this unique id. */
  mailboxIdExists?(id: string): boolean;
  /**
   * extlists (RFC 6134): whether the list (a name addressBookOf reads) holds this value (an
   * address, for the user's address books). Without it no list holds anything.
   */
  listContains?(list: string, value: string): boolean;
  /** extlists: whether the list exists and can be used (valid_ext_list). Without it none can. */
  listExists?(list: string): boolean;
}

/** redirect-dsn (RFC 6009 4): the DSN parameters of a redirect, as SMTP writes them. */
export interface RedirectDsn {
  /** RCPT NOTIFY: "NEVER", or SUCCESS / FAILURE / DELAY joined by commas; null: the MTA's default. */
  notify: string | null;
  /** MAIL RET: FULL or HDRS; null: the MTA's default. */
  ret: 'FULL' | 'HDRS' | null;
}

/** redirect-deliverby (RFC 6009 5): the MAIL BY parameter (RFC 2852) of a redirect. */
export interface DeliverBy {
  /** Seconds left to deliver in, counted from the run (a :bytimeabsolute made relative). */
  seconds: number;
  /** N: notify the sender when it is late; R: return the message. */
  mode: 'N' | 'R';
  trace: boolean;
}

/** A duplicate test's check, for the caller to record once the message is delivered (RFC 7352 3). */
export interface DuplicateCheck {
  handle: string;
  id: string;
  /** :seconds, or null for the caller's default. */
  seconds: number | null;
  /** :last: a duplicate found moves the expiry on. */
  last: boolean;
  /** What the test answered. */
  seen: boolean;
}

export type SieveAction =
  /** Store into the recipient's own mailbox (explicit keep, or the implicit keep). */
  | { type: 'keep'; flags: readonly string[] | null }
  /**
   * Store into a mailbox of the user's. With :specialuse (RFC 8579) the mailbox having that use is
   * the target when there is one (`mailbox` otherwise); with :mailboxid (RFC 9042) the mailbox of that
   * id is, when it exists.
   */
  | { type: 'fileinto'; mailbox: string; flags: readonly string[] | null; create: boolean; specialUse?: string; mailboxId?: string }
  /**
   * notify (RFC 5435) by the mailto method (RFC 5436), only for a message that is not itself
   * auto-submitted; the caller builds and sends the notification.
   */
  | {
      type: 'notify';
      method: string;
      from: string | null;
      importance: '1' | '2' | '3';
      options: readonly string[];
      message: string | null;
      fcc?: FccAction;
    }
  /**
   * redirect: to `address`, or with `list` (extlists) to the members of the list `address` names;
   * with the DSN and deliver-by parameters the script gave (redirect-dsn, redirect-deliverby).
   */
  | { type: 'redirect'; address: string; list?: boolean; dsn?: RedirectDsn; deliverBy?: DeliverBy }
  | { type: 'discard' }
  /** reject / ereject (RFC 5429): refuse the message with this reason. */
  | { type: 'reject'; reason: string; extended: boolean }
  /**
   * vacation (RFC 5230), only when the checks of 4.5/4.6 that need the message passed; the caller
   * applies the response tracking (`handle`, `seconds`) and sends the reply to `to`.
   */
  | {
      type: 'vacation';
      to: string;
      from: string | null;
      subject: string;
      reason: string;
      mime: boolean;
      handle: string;
      seconds: number;
      inReplyTo: string | null;
      fcc?: FccAction;
    };

export interface SieveOutcome {
  /** What to do, in the order the script asked; the implicit keep is in it when it applies. */
  actions: SieveAction[];
  /** A runtime error (the caller keeps the message, as RFC 5228 2.10.6 says). */
  error: string | null;
  /**
   * The header block as editheader left it (up to and including the empty line), present when the
   * script changed it and did not fail: what is stored and redirected instead of the received one.
   */
  header?: Buffer;
  /** The duplicate tests' checks (present when there were some and the script did not fail). */
  duplicates?: DuplicateCheck[];
  /**
   * What the script's `log` commands (vnd.cyrus.log) wrote, in order: present when there was some,
   * also when the script failed afterwards (Cyrus logs each line as the command runs).
   */
  logs?: string[];
}


/**
 * How the interpreter gets a script named by `include` (RFC 6609): its compiled form, null when
 * there is no such script, or a string saying why it cannot be used (it does not compile, it cannot
 * be read). The language does no I/O: delivery passes a loader reading the script store.
 */
export type IncludeLoader = (location: IncludeLocation, name: string) => { readonly program?: CompiledProgram } | null | string;
