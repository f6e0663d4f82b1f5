/**
 * The typed arguments of every IMAP command the server understands. Handlers switch on `name`
 * and read fields; they never see raw tokens.
 */
import type { ImapDate } from '../datetime.js';
import type { SequenceSet } from '../sequence.js';
import type { NotifyGroup } from './notify.js';
import type { AnnotationFetch, AnnotationSearch, AnnotationStore } from './annotate.js';

export type SearchKey =
  | { kind: 'all' }
  /** A system flag (`\Seen`...) or keyword, set or not set (ANSWERED, UNSEEN, KEYWORD, UNKEYWORD...). */
  | { kind: 'flag'; flag: string; set: boolean }
  /** A header field containing a string: BCC CC FROM TO SUBJECT and HEADER name value. */
  | { kind: 'header'; field: string; value: string }
  | { kind: 'body'; value: string }
  | { kind: 'text'; value: string }
  /** BEFORE ON SINCE (internal date), SENTBEFORE SENTON SENTSINCE (Date: header), SAVEDBEFORE SAVEDON SAVEDSINCE (save date, RFC 8514). */
  | { kind: 'date'; field: 'internal' | 'sent' | 'save'; op: 'before' | 'on' | 'since'; date: ImapDate }
  /** YOUNGER / OLDER (RFC 5032): the internal date within / before the last `seconds` seconds. */
  | { kind: 'age'; op: 'younger' | 'older'; seconds: number }
  /** EMAILID / THREADID (RFC 8474). */
  | { kind: 'objectId'; field: 'emailId' | 'threadId'; id: string }
  | { kind: 'size'; op: 'larger' | 'smaller'; size: number }
  | { kind: 'uid'; set: SequenceSet }
  | { kind: 'sequence'; set: SequenceSet }
  | { kind: 'not'; key: SearchKey }
  | { kind: 'or'; left: SearchKey; right: SearchKey }
  | { kind: 'and'; keys: SearchKey[] }
  /** MODSEQ (RFC 7162): messages whose modseq is at least `modseq` (a named flag entry is accepted and ignored). */
  | { kind: 'modseq'; modseq: number }
  /** ANNOTATION entry attribute value (RFC 5257 4.5): a substring of the value. */
  | ({ kind: 'annotation' } & AnnotationSearch);

/** ESEARCH return options (RFC 4731, SAVE from RFC 5182). */
export type SearchReturnOption = 'MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE' | 'CONTEXT' | 'UPDATE';

/** PARTIAL's window over the results (RFC 9394): positions low..high (1-based), counted from the last when `fromEnd`. */
export interface PartialRange {
  fromEnd: boolean;
  low: number;
  high: number;
}

/** SORT keys (RFC 5256; DISPLAYFROM / DISPLAYTO from RFC 5957). */
/** RFC 5256's keys, RFC 5957's DISPLAY ones, and Cyrus's UID and MODSEQ (SORT=UID, SORT=MODSEQ). */
export type SortKeyName = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO' | 'UID' | 'MODSEQ';

export interface SortCriterion {
  key: SortKeyName;
  reverse: boolean;
}

export type SectionSpecifier = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

export interface Section {
  /** Part numbers (1.2.3 → [1, 2, 3]); empty for the whole message. */
  part: number[];
  specifier: SectionSpecifier | null;
  /** Field names for HEADER.FIELDS / HEADER.FIELDS.NOT, as the client wrote them (compare case-insensitively). */
  fields: string[];
}

export interface Partial {
  offset: number;
  length: number;
}

export type SimpleFetchItem =
  | 'UID'
  | 'FLAGS'
  | 'INTERNALDATE'
  | 'RFC822.SIZE'
  | 'ENVELOPE'
  /** BODY without a section: the non-extensible BODYSTRUCTURE. */
  | 'BODY'
  | 'BODYSTRUCTURE'
  | 'RFC822'
  | 'RFC822.HEADER'
  | 'RFC822.TEXT'
  /** RFC 7162 CONDSTORE. */
  | 'MODSEQ'
  /** RFC 8514 SAVEDATE; RFC 8474 OBJECTID. */
  | 'SAVEDATE'
  | 'EMAILID'
  | 'THREADID'
  /** Cyrus's DIGEST=SHA1: the SHA-1 of the message's bytes (its GUID), as 40 hex digits. */
  | 'DIGEST.SHA1';

export type FetchItem =
  | { kind: 'simple'; item: SimpleFetchItem }
  | { kind: 'section'; peek: boolean; section: Section; partial: Partial | null }
  /** BINARY[part]<partial> and BINARY.PEEK (RFC 3516). */
  | { kind: 'binary'; peek: boolean; part: number[]; partial: Partial | null }
  | { kind: 'binarySize'; part: number[] }
  /** PREVIEW and PREVIEW (LAZY) (RFC 8970). */
  | { kind: 'preview'; lazy: boolean }
  /** ANNOTATION (entries attributes) (RFC 5257). */
  | ({ kind: 'annotation' } & AnnotationFetch);

export type StatusItem = 'MESSAGES' | 'RECENT' | 'UIDNEXT' | 'UIDVALIDITY' | 'UNSEEN' | 'SIZE' | 'DELETED' | 'HIGHESTMODSEQ' | 'APPENDLIMIT' | 'MAILBOXID';

export type ListSelectOption = 'SUBSCRIBED' | 'REMOTE' | 'RECURSIVEMATCH' | 'SPECIAL-USE';

export interface ListReturnOptions {
  subscribed: boolean;
  children: boolean;
  specialUse: boolean;
  /** LIST-STATUS (RFC 5819): the STATUS items to return, null when not asked. */
  status: StatusItem[] | null;
  /** LIST-MYRIGHTS (RFC 8440): a MYRIGHTS response after each listed mailbox. */
  myRights?: boolean;
  /** LIST-METADATA (RFC 9590): a METADATA response with these entries after each listed mailbox. */
  metadata?: ListMetadataOption;
}

/** `METADATA (...)` of LIST's RETURN: the entries as GETMETADATA takes them, and its options. */
export interface ListMetadataOption {
  entries: string[];
  maxSize: number | null;
  depth: MetadataDepth;
}

export interface AppendMessage {
  flags: string[];
  internalDate: Date | null;
  message: Buffer;
  /** Sent as literal8 `~{n}` (BINARY, RFC 3516). */
  binary: boolean;
  /** CATENATE (RFC 4469): the parts the message is built from (`message` is then empty). */
  catenate?: CatenatePart[];
  /** ANNOTATION (RFC 5257 3.5): values the message starts with. */
  annotations?: AnnotationStore[];
}

/** One part of a CATENATE list: a literal, or the URL of a message or part to copy (RFC 4469). */
export type CatenatePart = { kind: 'text'; bytes: Buffer; binary: boolean } | { kind: 'url'; url: string };

/** One URL of URLFETCH; `extended` with the RFC 5524 parameters (BODY and BINARY exclude each other). */
export interface UrlFetchRequest {
  url: string;
  extended: boolean;
  body: boolean;
  binary: boolean;
  bodyPartStructure: boolean;
}

export type StoreOperation = 'replace' | 'add' | 'remove';

export type NoArgumentCommandName = 'CAPABILITY' | 'NOOP' | 'LOGOUT' | 'STARTTLS' | 'CHECK' | 'CLOSE' | 'EXPUNGE' | 'IDLE' | 'NAMESPACE' | 'UNSELECT' | 'UNAUTHENTICATE';

export type Command =
  | { name: NoArgumentCommandName }
  | { name: 'LOGIN'; userid: string; password: string }
  /** `initialResponse`: base64 text as sent, '' for "=" (empty), null when absent (RFC 4959). */
  | { name: 'AUTHENTICATE'; mechanism: string; initialResponse: string | null }
  | { name: 'ENABLE'; capabilities: string[] }
  /** COMPRESS (RFC 4978): the mechanism as sent, upper-cased (only DEFLATE is known). */
  | { name: 'COMPRESS'; mechanism: string }
  /** null for `ID NIL`. */
  | { name: 'ID'; parameters: Array<[string, string | null]> | null }
  | { name: 'SELECT' | 'EXAMINE'; mailbox: string; condstore: boolean; qresync?: QresyncParameters }
  /** Cyrus's `CREATE name partition`; `specialUse` from CREATE-SPECIAL-USE (RFC 6154). */
  | { name: 'CREATE'; mailbox: string; partition: string | null; specialUse: string[] }
  | { name: 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE'; mailbox: string }
  | { name: 'RENAME'; from: string; to: string; partition: string | null }
  /** Cyrus's XFER (administrators): move `mailbox` (a user's INBOX: the whole user) to backend `server`. */
  | { name: 'XFER'; mailbox: string; server: string; partition: string | null }
  /** The receiving end of an XFER, spoken by the source backend to the target (src/imap/xfer). */
  | { name: 'XFERRECV'; xferId: string; step: XferRecvStep }
  | {
      name: 'LIST';
      selectOptions: ListSelectOption[];
      reference: string;
      patterns: string[];
      returnOptions: ListReturnOptions;
      /** True when the command used any LIST-EXTENDED syntax (the response may then carry extended data). */
      extended: boolean;
      /** Sent as XLIST (the Gmail/Apple command before SPECIAL-USE, which Cyrus still takes). */
      xlist?: boolean;
    }
  | { name: 'LSUB'; reference: string; pattern: string }
  | { name: 'STATUS'; mailbox: string; items: StatusItem[] }
  | { name: 'APPEND'; mailbox: string; messages: AppendMessage[] }
  | { name: 'UID EXPUNGE'; uids: SequenceSet }
  /** NOTIFY (RFC 5465): `groups` null for NOTIFY NONE; `status` for SET STATUS. */
  | { name: 'NOTIFY'; groups: NotifyGroup[] | null; status: boolean }
  /** CANCELUPDATE (RFC 5267): the tags of searching commands whose updates stop. */
  | { name: 'CANCELUPDATE'; tags: string[] }
  | {
      name: 'SEARCH';
      byUid: boolean;
      charset: string | null;
      /** null: a plain SEARCH (untagged SEARCH response); a list (maybe empty = ALL): ESEARCH. */
      returnOptions: SearchReturnOption[] | null;
      /** The PARTIAL return option (RFC 9394); absent without one. */
      partial?: PartialRange;
      /** UPDATE's fetch attributes (RFC 5465 section 7). */
      updateFetch?: FetchItem[];
      criteria: SearchKey;
    }
  /** Modifiers (RFC 7162): CHANGEDSINCE, with VANISHED (UID FETCH under QRESYNC). */
  /** SORT (RFC 5256); `returnOptions` non-null: ESORT (RFC 5267), answered with ESEARCH. */
  | { name: 'SORT'; byUid: boolean; keys: SortCriterion[]; charset: string; returnOptions: SearchReturnOption[] | null; partial?: PartialRange; updateFetch?: FetchItem[]; criteria: SearchKey }
  /** THREAD (RFC 5256). */
  | { name: 'THREAD'; byUid: boolean; algorithm: 'ORDEREDSUBJECT' | 'REFERENCES' | 'REFS'; charset: string; criteria: SearchKey }
  | { name: 'FETCH'; byUid: boolean; set: SequenceSet; items: FetchItem[]; changedSince?: number; vanished?: boolean; partial?: PartialRange }
  /** `unchangedSince`: the UNCHANGEDSINCE modifier (RFC 7162). */
  | { name: 'STORE'; byUid: boolean; set: SequenceSet; operation: StoreOperation; silent: boolean; flags: string[]; unchangedSince?: number; annotations?: AnnotationStore[] }
  | { name: 'COPY' | 'MOVE'; byUid: boolean; set: SequenceSet; mailbox: string }
  /** RFC 4314: GETACL and MYRIGHTS name a mailbox; SETACL's rights may start with "+" or "-" (see AclModification). */
  | { name: 'GETACL' | 'MYRIGHTS'; mailbox: string }
  | { name: 'DELETEACL' | 'LISTRIGHTS'; mailbox: string; identifier: string }
  | { name: 'SETACL'; mailbox: string; identifier: string; modification: AclModification }
  /** RFC 9208: a quota root is named as a mailbox is; SETQUOTA's list may be empty (remove the root). */
  | { name: 'GETQUOTA'; root: string }
  | { name: 'GETQUOTAROOT'; mailbox: string }
  | { name: 'SETQUOTA'; root: string; limits: QuotaSetting[] }
  /** URLAUTH (RFC 4467): rump URLs with their mechanisms (upper-cased). */
  | { name: 'GENURLAUTH'; requests: Array<{ url: string; mechanism: string }> }
  /** RESETKEY: every key of the user (mailbox null) or one mailbox's, for the mechanisms named. */
  | { name: 'RESETKEY'; mailbox: string | null; mechanisms: string[] }
  | { name: 'URLFETCH'; urls: UrlFetchRequest[] }
  /** RFC 5464: entry names as sent (entryName reads them); MAXSIZE null when not given. */
  | { name: 'GETMETADATA'; mailbox: string; entries: string[]; maxSize: number | null; depth: MetadataDepth }
  | { name: 'SETMETADATA'; mailbox: string; values: MetadataValue[] };

/** GETMETADATA's DEPTH option (RFC 5464 section 4.2.2). */
export type MetadataDepth = 0 | 1 | 'infinity';

/** One `entry value` of SETMETADATA: the value's bytes (string, literal or literal8), null for NIL. */
export interface MetadataValue {
  entry: string;
  value: Buffer | null;
}

/** SELECT's QRESYNC parameter (RFC 7162 3.2.5): what the client remembers of the mailbox. */
export interface QresyncParameters {
  uidValidity: number;
  modseq: number;
  /** The UIDs the client knows (no `*`); null: all. */
  knownUids: SequenceSet | null;
  /** Pairs of message sequence numbers and their UIDs as the client last saw them. */
  seqMatch: { seqs: SequenceSet; uids: SequenceSet } | null;
}

/** One `resource limit` pair of SETQUOTA; the resource name upper-cased, the limit as sent. */
export interface QuotaSetting {
  resource: string;
  limit: number;
}

/** SETACL's rights argument: replace the entry's rights, or add ("+") or remove ("-") some. Letters as sent. */
export interface AclModification {
  mode: 'replace' | 'add' | 'remove';
  rights: string;
}

export type CommandName = Command['name'];

/**
 * One step of XFERRECV (internal names throughout; both ends are ours):
 *   MAILBOX name uniqueid partition|NIL source-partition   reserve the name for the mailbox arriving
 *   PUT name (file offset length ...) literal8             pieces of its files, end to end in one literal
 *   STATE name literal / USER userid literal               its state beside the files / a user's (JSON)
 *   COMMIT / ABORT                                         make it live here / how did it end (source's recovery)
 */
export type XferRecvStep =
  | { kind: 'mailbox'; mailbox: string; uniqueId: string; partition: string | null; sourcePartition: string }
  | { kind: 'put'; mailbox: string; pieces: Array<{ file: string; offset: number; data: Buffer }> }
  | { kind: 'state'; mailbox: string; state: Buffer }
  | { kind: 'user'; userid: string; state: Buffer }
  | { kind: 'commit' }
  | { kind: 'abort' };
