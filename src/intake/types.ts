/** Public shapes of the intake layer (see index.ts). */
import type { Logger, MailError } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import type { MailboxEntry, MailStore, QuotaMode } from '../store/index.js';
import type { StoredAnnotation } from '../mailbox/index.js';

/** The byte rules' settings (from imapd.conf unless given). */
export interface IntakeSettings {
  /** Largest message accepted, in bytes as received (maxmessagesize; 0 in the file means 64 MiB). */
  maxMessageSize: number;
  /** munge8bit: top-level header bytes neither ASCII nor UTF-8 become 'X'. */
  munge8bit: boolean;
  /** Write a delivered message once per partition and hard-link it for the other mailboxes. */
  singleInstance: boolean;
}

/** A message as a protocol received it. */
export interface IncomingMessage {
  bytes: Buffer;
  /**
   * Received as binary (IMAP literal8, RFC 3516): binary parts and parts holding NUL are
   * re-encoded as base64 before the NUL rule applies.
   */
  binary?: boolean;
}

/** A message that passed the byte rules: CRLF line ends, munged if asked, no NUL, not empty. */
export interface PreparedMessage {
  /** The bytes to store. */
  readonly content: Buffer;
  /** The size as received (what maxmessagesize was checked against). */
  readonly receivedSize: number;
  /** Resent-Message-ID's value when there is one, else Message-ID's (trimmed), or null: the key of duplicate suppression. */
  readonly messageId: string | null;
}

/** One message of an APPEND (MULTIAPPEND: several, all or nothing). */
export interface AppendInput extends IncomingMessage {
  /** Flags already filtered by the caller's rights. */
  flags?: readonly string[];
  internalDate?: Date;
  /** Annotations the message starts with (RFC 5257 3.5), rights already checked by the caller. */
  annotations?: readonly StoredAnnotation[];
}

/** One mailbox a delivered message goes to. */
export interface DeliveryRecipient {
  /** Internal mailbox name, resolved by the caller ("user.fred", "user.fred.Lists"). */
  mailbox: string;
  /** Whose mailbox it is, for duplicate suppression, Sieve and \Seen flags; null for shared ones. */
  userid: string | null;
  flags?: readonly string[];
  internalDate?: Date;
  /**
   * How quota applies: 'ignore' for LMTP's IGNOREQUOTA; default 'delivery' (refused only once
   * over quota), 'strict' with lmtp_strict_quota.
   */
  quota?: QuotaMode;
  /**
   * The SMTP envelope of an LMTP delivery, for Sieve: `from` is MAIL FROM without brackets ("" for
   * the null reverse-path), `to` the RCPT TO address as given ("fred+lists@example.com"). Without
   * it (not a delivery from outside) no script runs.
   */
  envelope?: SmtpEnvelope;
}

export interface SmtpEnvelope {
  from: string;
  to: string;
  /**
   * The LMTP client, for Sieve's environment test (RFC 5183 remote-host, remote-ip): its address,
   * and the name it is known by ("localhost" over the UNIX socket); absent when not known.
   */
  remoteHost?: string;
  remoteIp?: string;
}

/** What happened for one recipient of deliver(), in the order the recipients were given. */
export type DeliveryOutcome =
  | { status: 'delivered'; recipient: DeliveryRecipient; mailbox: string; uidValidity: number; uid: number }
  /** Duplicate suppression found this message already delivered to this mailbox: nothing stored. */
  | { status: 'duplicate'; recipient: DeliveryRecipient }
  /** Sieve discarded it: nothing stored, and that is success. */
  | { status: 'discarded'; recipient: DeliveryRecipient }
  /** Sieve's reject / ereject refused it for this recipient, with the script's reason. */
  | { status: 'rejected'; recipient: DeliveryRecipient; reason: string }
  | { status: 'failed'; recipient: DeliveryRecipient; error: MailError };

/** What Sieve decided for one recipient: the mailboxes to file into (the recipient's own = keep). */
export interface SieveVerdict {
  fileInto: DeliveryRecipient[];
  /** The message as the script edited it (editheader), stored instead of the one received. */
  content?: Buffer;
  /** Refuse the message for this recipient with this reason (Sieve reject / ereject); nothing is stored. */
  reject?: string;
  /**
   * What the script sends (redirects, vacation replies, notifications, a rejection notice), run once
   * this recipient's copies are stored (or none was to be, the message being discarded or
   * rejected), before its outcome is answered; never
   * throws. Not run when storing failed: the sender tries again, and the script runs again then.
   */
  after?: () => Promise<void>;
}

/**
 * The seams where quota, duplicate suppression and Sieve plug in. Each is a no-op by default.
 * A hook reports refusal with a MailError (OverQuota, Temp, ...), which fails that recipient only.
 */
export interface IntakeHooks {
  /**
   * Before storing `count` messages of `bytes` in total into `mailbox`: throw OverQuota to refuse
   * early. Default: the store's quota check under `mode` (the charge itself is made by the store
   * when the message is committed, so this is only the early answer; see QuotaCheckSource).
   */
  chargeQuota(mailbox: MailboxEntry, bytes: number, count: number, mode: QuotaMode, source: QuotaCheckSource): void;
  /**
   * Whether this message (by Message-ID) was already delivered to this mailbox (deliver.db).
   * `storedRecently` asks the mailbox itself whether one of its latest messages has this
   * Message-ID: the answer for a delivery whose process died between its commit and its record.
   */
  isDuplicate(messageId: string, recipient: DeliveryRecipient, storedRecently: () => boolean): boolean;
  /** Before a delivery is stored: note that it begins (see isDuplicate's `storedRecently`). */
  beginDelivery(messageId: string, recipient: DeliveryRecipient): void;
  /** After a delivery was stored: remember it for duplicate suppression. */
  recordDelivery(messageId: string, recipient: DeliveryRecipient): void;
  /** The user's Sieve script decides where the message goes; default: keep (the recipient). */
  sieve(message: PreparedMessage, recipient: DeliveryRecipient): SieveVerdict;
}

export interface IntakeOptions {
  store: MailStore;
  config: ImapdConfig;
  logger: Logger;
  /** Overrides of the settings read from config. */
  settings?: Partial<IntakeSettings>;
  hooks?: Partial<IntakeHooks>;
}

/**
 * Who asks chargeQuota: an IMAP APPEND (one client waits for its one answer: the default check may
 * pass from this process's last reading of the root, QuotaStore.precheck) or an LMTP delivery
 * (recipients batched into one append: the default reads the root, QuotaStore.check).
 */
export type QuotaCheckSource = 'append' | 'delivery';
