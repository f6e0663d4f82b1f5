/**
 * cyrus.header: the mailbox's identity kept beside its data, enough to rebuild its mailboxes.db
 * entry (reconstruct -m). Our own format: a magic first line, then one JSON object.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEADER_FILE, replaceFileSync } from './files.js';
import { IndexDb } from './index-db.js';

const MAGIC = 'cyrusts mailbox header 1';

export interface MailboxHeader {
  name: string;
  uniqueId: string;
  uidValidity: number;
  acl: string;
  quotaRoot: string | null;
  specialUse: string | null;
  createdModseq: number;
  /** Keyword names defined in the mailbox, in definition order. */
  userFlags: string[];
  /** \Seen kept per mailbox (the sharedseen option); absent in older headers, read as false. */
  sharedSeen: boolean;
}

function formatHeader(header: MailboxHeader): string {
  const body = {
    name: header.name,
    uniqueId: header.uniqueId,
    uidValidity: header.uidValidity,
    acl: header.acl,
    quotaRoot: header.quotaRoot,
    specialUse: header.specialUse,
    createdModseq: header.createdModseq,
    userFlags: header.userFlags,
    sharedSeen: header.sharedSeen,
  };
  return `${MAGIC}\n${JSON.stringify(body)}\n`;
}

export function parseHeader(text: string): MailboxHeader {
  const nl = text.indexOf('\n');
  if (nl < 0 || text.slice(0, nl) !== MAGIC) throw new Error('not a mailbox header');
  const body = JSON.parse(text.slice(nl + 1)) as Partial<MailboxHeader>;
  if (typeof body.name !== 'string' || typeof body.uniqueId !== 'string' || typeof body.uidValidity !== 'number') {
    throw new Error('mailbox header lacks name, uniqueId or uidValidity');
  }
  return {
    name: body.name,
    uniqueId: body.uniqueId,
    uidValidity: body.uidValidity,
    acl: typeof body.acl === 'string' ? body.acl : '',
    quotaRoot: body.quotaRoot ?? null,
    specialUse: body.specialUse ?? null,
    createdModseq: typeof body.createdModseq === 'number' ? body.createdModseq : 0,
    userFlags: Array.isArray(body.userFlags) ? body.userFlags.filter((f): f is string => typeof f === 'string') : [],
    sharedSeen: body.sharedSeen === true,
  };
}

export function readHeader(dir: string): MailboxHeader {
  return parseHeader(readFileSync(join(dir, HEADER_FILE), 'utf8'));
}

export function writeHeader(dir: string, header: MailboxHeader, durable: boolean): void {
  replaceFileSync(dir, HEADER_FILE, formatHeader(header), durable);
}

/**
 * The uniqueid of a mailbox that `dir` may still hold: its cyrus.header's, unless the index marks
 * that mailbox moved or deleted (the leftover of an interrupted rename or delete). Null when there
 * is no readable header. A header without a readable index counts as live: it cannot be proved dead.
 */
export function liveMailboxIn(dir: string, durable: boolean): string | null {
  let uniqueId: string;
  try {
    uniqueId = readHeader(dir).uniqueId;
  } catch {
    return null;
  }
  const index = IndexDb.identity(dir, durable);
  if (index && index.uniqueid === uniqueId && index.state !== 'active') return null;
  return uniqueId;
}
