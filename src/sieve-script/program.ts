/** The checked program a compiled script holds: commands and tests with typed arguments. */
import type { MatchSpec } from './match.js';

export type AddressPart = 'all' | 'localpart' | 'domain' | 'user' | 'detail';

export type Test =
  | { kind: 'header'; names: string[]; keys: string[]; match: MatchSpec }
  | { kind: 'address'; part: AddressPart; names: string[]; keys: string[]; match: MatchSpec }
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
  | { kind: 'date'; header: string | null; zone: string | null; originalZone: boolean; part: string; keys: string[]; match: MatchSpec };

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
  | { kind: 'fileinto'; mailbox: string; flags: string[] | null; copy: boolean; create: boolean }
  | { kind: 'redirect'; address: string; copy: boolean }
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

export type SetModifier = 'lower' | 'upper' | 'lowerfirst' | 'upperfirst' | 'quotewildcard' | 'length';
