/** The checked program a compiled script holds: commands and tests with typed arguments. */
import type { MatchSpec } from './match.js';

export type AddressPart = 'all' | 'localpart' | 'domain' | 'user' | 'detail';

/** index (RFC 5260 section 6): which occurrence of each named field a test reads, counted from 1 (from the end with :last). */
export interface FieldIndex {
  index: number;
  last: boolean;
}

export type Test =
  | { kind: 'header'; names: string[]; keys: string[]; match: MatchSpec; at?: FieldIndex }
  | { kind: 'address'; part: AddressPart; names: string[]; keys: string[]; match: MatchSpec; at?: FieldIndex }
  | { kind: 'envelope'; part: AddressPart; names: string[]; keys: string[]; match: MatchSpec }
  | { kind: 'exists'; names: string[] }
  | { kind: 'size'; over: boolean; limit: number }
  | { kind: 'allof' | 'anyof'; tests: Test[] }
  | { kind: 'not'; test: Test }
  | { kind: 'true' }
  | { kind: 'false' }
  | { kind: 'body'; transform: 'raw' | 'text' | 'content'; contentTypes: string[]; keys: string[]; match: MatchSpec }
  | { kind: 'hasflag'; variables: string[] | null; keys: string[]; match: MatchSpec }
  | { kind: 'mailboxexists'; names: string[] }
  | { kind: 'string'; sources: string[]; keys: string[]; match: MatchSpec }
  /** date (header set) and currentdate (header null), RFC 5260. */
  /** duplicate (RFC 7352): whether the message's unique id was seen before, within :seconds. */
  | { kind: 'duplicate'; handle: string | null; header: string | null; uniqueId: string | null; seconds: number | null; last: boolean }
  | { kind: 'date'; header: string | null; zone: string | null; originalZone: boolean; part: string; keys: string[]; match: MatchSpec; at?: FieldIndex }
  /** environment (RFC 5183): an item of the execution context. */
  | { kind: 'environment'; name: string; keys: string[]; match: MatchSpec }
  /** valid_ext_list (extlists, RFC 6134): whether every one of these lists can be used. */
  | { kind: 'validextlist'; lists: string[] }
  /** ihave (RFC 5463): whether the server offers every one of these extensions. */
  | { kind: 'ihave'; names: string[] }
  /** valid_notify_method (RFC 5435): whether every URI is one this server can notify by. */
  | { kind: 'validnotifymethod'; uris: string[] }
  /** notify_method_capability (RFC 5435): a capability of a notification method. */
  | { kind: 'notifycapability'; uri: string; capability: string; keys: string[]; match: MatchSpec }
  /** metadata / servermetadata (RFC 5490); `mailbox` null is the server. */
  | { kind: 'metadata'; mailbox: string | null; entry: string; keys: string[]; match: MatchSpec }
  /** metadataexists / servermetadataexists (RFC 5490). */
  | { kind: 'metadataexists'; mailbox: string | null; entries: string[] }
  /** specialuse_exists (RFC 8579); `mailbox` null: any of the user's mailboxes. */
  | { kind: 'specialuseexists'; mailbox: string | null; uses: string[] }
  /** mailboxidexists (RFC 9042). */
  | { kind: 'mailboxidexists'; ids: string[] };

/** fcc (RFC 8580): where a copy of the message a vacation or notify sends is stored. */
export interface Fcc {
  mailbox: string;
  create: boolean;
  flags: string[] | null;
  specialUse: string | null;
  mailboxId: string | null;
}

export interface Branch {
  /** null for `else`. */
  test: Test | null;
  body: Command[];
}

export type Command = { line: number } & (
  | { kind: 'if'; branches: Branch[] }
  | { kind: 'stop' }
  | { kind: 'keep'; flags: string[] | null }
  | { kind: 'discard' }
  | { kind: 'fileinto'; mailbox: string; flags: string[] | null; copy: boolean; create: boolean; specialUse: string | null; mailboxId: string | null }
  /** notify (RFC 5435): a notification by `method` (a URI). */
  | {
      kind: 'notify'; method: string; from: string | null; importance: string | null; options: string[]; message: string | null; fcc: Fcc | null;
      /** The legacy notify draft's form (require "notify"): its :id, and its $from$-style message variables. */
      legacy?: { id: string | null };
    }
  /** The legacy notify draft's notify by a method other than mailto (zephyr, log, null...): not sent here, logged. */
  | { kind: 'notifyElsewhere'; method: string }
  /** The legacy notify draft's denotify: cancel the notifications made so far whose :id matches (all without one), at that priority if given. */
  | { kind: 'denotify'; match: 'is' | 'contains' | 'matches' | null; key: string | null; importance: string | null }
  /** error (RFC 5463): end the script with a runtime error. */
  | { kind: 'error'; message: string }
  /**
   * redirect; with :list (extlists) `address` is a list name. :notify / :ret (redirect-dsn) and the
   * deliver-by time, mode and trace (redirect-deliverby) as written (variables expanded at run time).
   */
  | {
      kind: 'redirect';
      address: string;
      copy: boolean;
      list: boolean;
      notify: string | null;
      ret: string | null;
      byTime: { relative: number } | { absolute: string } | null;
      byMode: string | null;
      byTrace: boolean;
    }
  /** log (vnd.cyrus.log): a line in the server's log. */
  | { kind: 'log'; text: string }
  | { kind: 'reject'; reason: string; extended: boolean }
  | {
      kind: 'vacation';
      days: number | null;
      seconds: number | null;
      subject: string | null;
      from: string | null;
      addresses: string[];
      mime: boolean;
      handle: string | null;
      reason: string;
      fcc: Fcc | null;
    }
  | { kind: 'flags'; op: 'set' | 'add' | 'remove'; variable: string | null; flags: string[] }
  | { kind: 'set'; name: string; value: string; modifiers: SetModifier[] }
  /** include (RFC 6609): run another script of the user's (personal) or the site's (global). */
  | { kind: 'include'; location: IncludeLocation; once: boolean; optional: boolean; name: string }
  | { kind: 'return' }
  /** addheader (RFC 5293): a field at the top, or with :last at the end. */
  | { kind: 'addheader'; last: boolean; name: string; value: string }
  /** deleteheader (RFC 5293): the fields of that name (the :index'th only), those matching the patterns when given. */
  | { kind: 'deleteheader'; index: number | null; last: boolean; match: MatchSpec; name: string; patterns: string[] | null }
  /** global (RFC 6609): these variable names are shared with the including and included scripts. */
  | { kind: 'global'; names: string[] }
);

export type IncludeLocation = 'personal' | 'global';

export type SetModifier = 'lower' | 'upper' | 'lowerfirst' | 'upperfirst' | 'quotewildcard' | 'encodeurl' | 'length';
