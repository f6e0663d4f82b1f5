/**
 * What an XFER carries from the source backend to the target, besides the files: the shapes both
 * ends read and write (as JSON on the wire, see src/imap/xfer), checked on arrival by
 * parseMailboxState / parseUserState, since the target trusts nothing it is sent.
 */
import { MailError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { AnnotationStore } from './annotations.js';
import type { MailboxList } from './mailbox-list.js';
import type { QuotaLimits, QuotaStore } from './quotas.js';
import type { SeenStore } from './seen.js';
import type { SieveScriptStore } from './sieve-scripts.js';
import type { SubscriptionStore } from './subscriptions.js';

/** The stores both sides of a move read and write (MailStore hands them over). */
export interface XferStores {
  list: MailboxList;
  durable: boolean;
  logger: Logger;
  seen: SeenStore;
  annotations: AnnotationStore;
  quotas: QuotaStore;
  subscriptions: SubscriptionStore;
  sieve: SieveScriptStore;
}

/** One file of a mailbox: "cyrus.index" (a copy of the frozen index) or a message file "<uid>.". */
export interface XferFile {
  name: string;
  size: number;
}

/** A mailbox's state beside its index and message files. */
export interface XferMailboxState {
  name: string;
  uniqueId: string;
  acl: string;
  specialUse: string | null;
  uidValidity: number;
  createdModseq: number;
  /** The limits when the mailbox is a quota root on the source (the root moves with it); else null. */
  quota: QuotaLimits | null;
  /** Every annotation of the mailbox: shared (userid "") and each user's private ones; values base64. */
  annotations: Array<{ entry: string; userid: string; value: string }>;
  /** Every user's \Seen kept apart from the records (not the owner's: that is in the index), as Cyrus's UID sets. */
  seen: Array<{ userid: string; uids: string }>;
  /** The files the target must have received, with their sizes. */
  files: XferFile[];
}

/** A user moved whole: what lives beside their mailboxes. */
export interface XferUserState {
  userid: string;
  /** Internal names. */
  subscriptions: string[];
  /** Sieve scripts (content base64) and which one is active. */
  sieve: { active: string | null; scripts: Array<{ name: string; content: string }> };
}

/** The names of a mailbox's files that an XFER may write: the index copy and "<uid>." message files. */
export function xferFileNameProblem(name: string): string | null {
  if (name === 'cyrus.index') return null;
  return /^[1-9][0-9]{0,9}\.$/.test(name) ? null : `not a mailbox file name: ${name.slice(0, 40)}`;
}

const RESOURCES = ['STORAGE', 'MESSAGE', 'MAILBOX'] as const;

function fail(what: string): never {
  throw new MailError('Invalid', `XFER: malformed ${what}`);
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') fail(what);
  return v;
}

function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(what);
  return v;
}

function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) fail(what);
  return v;
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(what);
  return v as Record<string, unknown>;
}

function parseJson(text: Buffer, what: string): Record<string, unknown> {
  try {
    return obj(JSON.parse(text.toString('utf8')), what);
  } catch (err) {
    if (err instanceof MailError) throw err;
    return fail(what);
  }
}

export function parseMailboxState(text: Buffer): XferMailboxState {
  const o = parseJson(text, 'mailbox state');
  const quota = o.quota === null ? null : obj(o.quota, 'quota');
  const limits = quota === null ? null : (Object.fromEntries(RESOURCES.map((r) => [r, quota[r] === null ? null : int(quota[r], 'quota limit')])) as QuotaLimits);
  return {
    name: str(o.name, 'name'),
    uniqueId: str(o.uniqueId, 'uniqueid'),
    acl: str(o.acl, 'acl'),
    specialUse: o.specialUse === null ? null : str(o.specialUse, 'special use'),
    uidValidity: int(o.uidValidity, 'uidvalidity'),
    createdModseq: int(o.createdModseq, 'createdmodseq'),
    quota: limits,
    annotations: arr(o.annotations, 'annotations').map((a) => {
      const x = obj(a, 'annotation');
      return { entry: str(x.entry, 'annotation entry'), userid: str(x.userid, 'annotation owner'), value: str(x.value, 'annotation value') };
    }),
    seen: arr(o.seen, 'seen state').map((s) => {
      const x = obj(s, 'seen row');
      const uids = str(x.uids, 'seen uids');
      if (!/^[0-9:,]*$/.test(uids)) fail('seen uids');
      return { userid: str(x.userid, 'seen user'), uids };
    }),
    files: arr(o.files, 'file list').map((f) => {
      const x = obj(f, 'file');
      const name = str(x.name, 'file name');
      if (xferFileNameProblem(name) !== null) fail('file name');
      return { name, size: int(x.size, 'file size') };
    }),
  };
}

export function parseUserState(text: Buffer): XferUserState {
  const o = parseJson(text, 'user state');
  const sieve = obj(o.sieve, 'sieve scripts');
  return {
    userid: str(o.userid, 'userid'),
    subscriptions: arr(o.subscriptions, 'subscriptions').map((s) => str(s, 'subscription')),
    sieve: {
      active: sieve.active === null ? null : str(sieve.active, 'active script'),
      scripts: arr(sieve.scripts, 'scripts').map((s) => {
        const x = obj(s, 'script');
        return { name: str(x.name, 'script name'), content: str(x.content, 'script content') };
      }),
    },
  };
}
