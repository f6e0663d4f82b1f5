/** Public shapes of the accounts layer (see index.ts). */
import type { Logger } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import type { MailStore } from '../store/index.js';

/** Who is making first contact (the auth module's Identity fits). */
export interface AccountUser {
  /** Canonical userid: "fred" or "fred@example.com". */
  readonly userid: string;
  readonly isAdmin: boolean;
  readonly isAnonymous: boolean;
}

/**
 * Seams for what a user's rename and delete will also carry once it exists. Every hook is a no-op
 * by default; a hook that throws aborts nothing already done (it is logged and reported).
 */
export interface AccountHooks {
  /**
   * The quota root of a user moved (rename) or went away (delete, `to` null). Quota roots named
   * in mailboxes.db entries are rewritten by the accounts layer itself; this is for quotas.db
   * once it exists.
   */
  quotaRootMoved(from: string, to: string | null): void;
  /** The user's Sieve scripts follow a rename (`to`) or go with a delete (`to` null). */
  sieveScriptsMoved(fromUserid: string, toUserid: string | null): void;
}

export interface AccountsOptions {
  store: MailStore;
  config: ImapdConfig;
  logger: Logger;
  hooks?: Partial<AccountHooks>;
}

/** What firstContact did. */
export type FirstContact =
  /**
   * Nothing to do: anonymous, an administrator, autocreate_quota < 0, or the INBOX exists; on a
   * Murder backend (firstLogin), the master places the INBOX elsewhere or cannot be asked.
   */
  | { kind: 'skipped'; reason: 'anonymous' | 'admin' | 'disabled' | 'exists' | 'elsewhere' | 'master-unknown'; inbox: string | null }
  /**
   * A Murder frontend keeps no mail: the INBOX is to be made on `backend` (one of serverlist; null:
   * none), by the protocol's login there for the user, then `mirrorNewInbox`.
   */
  | { kind: 'frontend'; inbox: string; backend: string | null }
  /** The INBOX was created now, with these folders (internal names; a folder that failed is absent). */
  | { kind: 'created'; inbox: string; folders: string[] };

/** What a user's rename or delete changed, for logs and tools. */
export interface UserChangeReport {
  /** Internal names of the user's mailboxes before the change, in name order. */
  mailboxes: string[];
  /** Mailboxes of the server (after the change) whose ACL entries naming the user were rewritten. */
  aclsChanged: string[];
  /** Whether seen state and subscriptions were moved or removed. */
  seenAndSubscriptions: boolean;
  /** Hooks that failed (logged); the rest of the change stands. */
  hookFailures: string[];
}

export interface RenameUserOptions {
  /** Also move every mailbox of the user to this partition. */
  partition?: string;
}
