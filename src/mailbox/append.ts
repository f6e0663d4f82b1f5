/**
 * The first half of an append, done before taking the index lock: normalise, parse once, hash,
 * and write each message to a temp file in the mailbox directory, fsynced (or hard-link an
 * existing file). The second half (mailbox.ts) renames them to "<uid>." under the lock.
 */
import * as crypto from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import { MailError } from '../common/errors.js';
import { headerBytesOf, normalizeLineEnds, renderImapForms, searchTextOf, storedFields, type ImapForms, type SearchText, type StoredFields } from '../message/index.js';
import type { MessageSummary } from '../message/index.js';
import { dirPrefix, fsError, linkOrCopySync, messageFileError, removeLeftoverTemps, startNewFile, tempFileName } from './files.js';
import { parseFlags, type FlagSet } from './flags.js';
import type { AppendItem, MailboxContext } from './types.js';

export interface PreparedMessage {
  tempPath: string;
  summaryJson: string;
  /** ENVELOPE and BODYSTRUCTURE as IMAP text, cached beside the summary. */
  forms: ImapForms;
  /** The header block's raw bytes, for SEARCH on header fields. */
  header: Buffer;
  /** SORT keys, THREAD links and SEARCH field text (the message_fields row). */
  fields: StoredFields;
  /** The header and body text for the search_engine index (null when there is none). */
  searchText: SearchText | null;
  guid: string;
  size: number;
  flags: FlagSet;
  internalDate: number;
}

/**
 * crypto.hash (node 20.12+): one call into OpenSSL without a Hash object and its stream machinery,
 * some 2 µs per message against 5 for createHash(...).update(...).digest(); older node 20s use that.
 */
const oneShotHash: ((algorithm: string, data: Buffer, encoding: 'hex') => string) | undefined = (crypto as { hash?: (a: string, d: Buffer, e: 'hex') => string }).hash;

/** The message GUID: SHA-1 of its bytes, in hex. */
export function sha1Hex(data: Buffer): string {
  return oneShotHash !== undefined ? oneShotHash('sha1', data, 'hex') : crypto.createHash('sha1').update(data).digest('hex');
}

function checkDate(date: Date | undefined): number {
  if (date === undefined) return Date.now();
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new MailError('Invalid', 'bad internal date');
  return ms;
}

function checkSize(size: number, ctx: MailboxContext): void {
  if (ctx.maxMessageSize > 0 && size > ctx.maxMessageSize) {
    throw new MailError('Limit', `message larger than ${ctx.maxMessageSize} bytes`, { maxMessageSize: ctx.maxMessageSize });
  }
}

/** The bytes of a message to link, for its search text. */
function readLinkSource(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw messageFileError(err, null, 'read message to link');
  }
}

/** A message written from its bytes: the record the index keeps, parsed from `content` (its stored bytes). */
function parsedMessage(tempPath: string, content: Buffer, ctx: MailboxContext, flags: FlagSet, internalDate: number): PreparedMessage {
  const summary: MessageSummary = ctx.summarize(content);
  const header = headerBytesOf(summary);
  return {
    tempPath, summaryJson: JSON.stringify(summary), forms: renderImapForms(summary), header, fields: storedFields(summary, header),
    searchText: ctx.searchIndex ? searchTextOf(summary, content) : null, guid: sha1Hex(content), size: content.length, flags, internalDate,
  };
}

/** A message to link: its temp file is a hard link (or copy) of the source, made here. */
function prepareLinked(tempPath: string, source: NonNullable<AppendItem['linkFrom']>, ctx: MailboxContext, made: string[], flags: FlagSet, internalDate: number): PreparedMessage {
  let summary = source.summary;
  let guid = source.guid;
  let size = source.size;
  if (summary === undefined || guid === undefined || size === undefined) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(source.path);
    } catch (err) {
      throw messageFileError(err, null, 'read message to link');
    }
    summary ??= ctx.summarize(bytes);
    guid ??= sha1Hex(bytes);
    size ??= bytes.length;
  }
  checkSize(size, ctx);
  made.push(tempPath);
  try {
    linkOrCopySync(source.path, tempPath, ctx.durable);
  } catch (err) {
    throw messageFileError(err, null, 'link message');
  }
  const searchText = ctx.searchIndex ? searchTextOf(summary, readLinkSource(source.path)) : null;
  const header = headerBytesOf(summary);
  return { tempPath, summaryJson: JSON.stringify(summary), forms: renderImapForms(summary), header, fields: storedFields(summary, header), searchText, guid, size, flags, internalDate };
}

/** The message_fields row beside its texts (sort keys, thread links, numbers), roughly. */
const FIELDS_ROW_BYTES = 256;
/** At most this much (a large search_engine text makes many FTS5 pages: beyond it they spill). */
const MAX_APPEND_CACHE_KIB = 16 * 1024;
/** Below this much row data an append keeps the index's own page cache (a single APPEND: no PRAGMA). */
const OWN_CACHE_ROWS_BYTES = 64 * 1024;

/**
 * The page cache (KiB) the index needs for the append of `prepared` in one transaction without
 * spilling (withPageCache): twice the bytes of the rows it inserts (b-tree pages are partly
 * full, and the record, cache, form, header and field tables each have their own), plus the
 * 128 KiB an index has for the rest, at most 16 MiB. 0 (its own cache) for a small append.
 */
export function appendPageCacheKiB(prepared: readonly PreparedMessage[]): number {
  let bytes = 0;
  for (const p of prepared) {
    bytes += p.summaryJson.length + p.forms.envelope.length + p.forms.bodyStructure.length + p.header.length + FIELDS_ROW_BYTES;
    if (p.searchText !== null) bytes += p.searchText.header.length + p.searchText.body.length;
  }
  return bytes < OWN_CACHE_ROWS_BYTES ? 0 : Math.min(MAX_APPEND_CACHE_KIB, 128 + (2 * bytes) / 1024);
}

/** Mailbox directories this process has already cleared of leftover temp files. */
const sweptDirectories = new Set<string>();

/**
 * The first append to a mailbox in this process removes the temp files of writers that died
 * (kill -9 during an append). Best effort: a failure here never fails the append.
 */
async function sweepLeftoverTemps(dir: string): Promise<void> {
  if (sweptDirectories.has(dir)) return;
  sweptDirectories.add(dir);
  try {
    removeLeftoverTemps(dir, await fsp.readdir(dir));
  } catch {
    // Unreadable now: reconstruct reports and removes them.
  }
}

/**
 * Write every item to a temp file; on any failure remove them all and throw (Temp for ENOSPC etc.).
 *
 * Every file goes to the thread pool first (created and written at once, fsynced), then the
 * messages are parsed while the disk works; one wait for the whole command at the end. A failure
 * (the first in item order) removes every temp file once all writes have settled.
 */
export async function prepareMessages(dir: string, items: readonly AppendItem[], ctx: MailboxContext): Promise<PreparedMessage[]> {
  if (items.length === 0) throw new MailError('Invalid', 'nothing to append');
  await sweepLeftoverTemps(dir);
  const made: string[] = [];
  const failures: unknown[] = [];
  let failedAt = items.length;
  const fail = (k: number, err: unknown): void => {
    if (k < failedAt) failedAt = k;
    failures[k] = err;
  };
  let pending = 1;
  let allWritten!: () => void;
  const written = new Promise<void>((resolve) => (allWritten = resolve));
  const settleOne = (): void => {
    if (--pending === 0) allWritten();
  };
  const prepared: PreparedMessage[] = new Array<PreparedMessage>(items.length);
  const inDir = dirPrefix(dir);
  // The messages written from their bytes, parsed once every file is on its way.
  const toParse: Array<{ k: number; tempPath: string; content: Buffer; flags: FlagSet; internalDate: number }> = [];
  for (let k = 0; k < items.length && failedAt === items.length; k++) {
    const item = items[k]!;
    try {
      const flags = parseFlags(item.flags ?? []);
      const internalDate = checkDate(item.internalDate);
      const tempPath = inDir + tempFileName();
      if (item.linkFrom) {
        prepared[k] = prepareLinked(tempPath, item.linkFrom, ctx, made, flags, internalDate);
        continue;
      }
      if (!Buffer.isBuffer(item.content)) throw new MailError('Invalid', 'append item without content');
      const content = normalizeLineEnds(item.content);
      checkSize(content.length, ctx);
      made.push(tempPath);
      pending++;
      startNewFile(tempPath, content, ctx.durable, (err) => {
        if (err) fail(k, err);
        settleOne();
      });
      toParse.push({ k, tempPath, content, flags, internalDate });
    } catch (err) {
      fail(k, err);
    }
  }
  for (const m of toParse) {
    if (failedAt < items.length) break;
    try {
      prepared[m.k] = parsedMessage(m.tempPath, m.content, ctx, m.flags, m.internalDate);
    } catch (err) {
      fail(m.k, err);
    }
  }
  settleOne();
  await written;
  if (failedAt === items.length) return prepared;
  await discardTemps(made);
  throw fsError(failures[failedAt], 'append');
}

export async function discardTemps(paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((p) => fsp.rm(p, { force: true }).catch(() => undefined)));
}
