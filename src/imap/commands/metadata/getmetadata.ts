/**
 * GETMETADATA (RFC 5464 section 4.2) with MAXSIZE and DEPTH, and Cyrus's trailing wildcards. A
 * named entry answers with its value or NIL; DEPTH and wildcards add the entries below it that the
 * server knows or holds (known ones without a value as NIL, as Cyrus 3.6 lists them). Values over
 * MAXSIZE are left out and the completion says `[METADATA LONGENTRIES n]`, n the longest of them.
 */
import type { MailStore } from '../../../store/index.js';
import { AUTHENTICATED } from '../../session/state.js';
import { entryName, type EntryName } from '../../wire/parse/metadata.js';
import type { MetadataDepth } from '../../wire/parse/types.js';
import { metadataResponse } from '../../wire/serialize/metadata.js';
import { always, CommandFailure, defineCommand, type CommandContext } from '../types.js';
import { definedEntries, mayRead, metadataTarget, type MetadataTarget } from './access.js';
import type { EntryDefinition } from './entries.js';

type Candidates = Map<string, () => Buffer | null>;

/** The value of a read-only fact of the mailbox; null when there is none to give. */
function computedValue(store: MailStore, target: MetadataTarget, path: string, userid: string): Buffer | null {
  if (target.on !== 'mailbox') return null;
  const { entry } = target;
  if (path.endsWith('/partition')) return Buffer.from(entry.partition);
  if (path.endsWith('/uniqueid')) return Buffer.from(entry.uniqueId);
  if (path.endsWith('/size') || path.endsWith('/sharedseen')) {
    const mailbox = store.openMailbox(entry.name);
    try {
      if (path.endsWith('/sharedseen')) return Buffer.from(String(mailbox.sharedSeen));
      return Buffer.from(String(mailbox.status(userid, { deleted: false }).size));
    } finally {
      mailbox.close();
    }
  }
  return null;
}

/** Every entry the target has or knows, full name → its value (read when asked for). */
function candidatesOf(ctx: CommandContext, target: MetadataTarget): Candidates {
  const userid = ctx.identity().userid;
  const stored = new Map<string, Buffer>();
  for (const row of ctx.deps.store.annotations.visible(target.key, userid)) stored.set(`/${row.userid === '' ? 'shared' : 'private'}${row.entry}`, row.value);
  const out: Candidates = new Map();
  const valueOf = (name: string, d: EntryDefinition) => (): Buffer | null => {
    if (d.source === 'computed') return computedValue(ctx.deps.store, target, d.path, userid);
    if (d.source === 'specialUse') return target.on === 'mailbox' && target.entry.specialUse ? Buffer.from(target.entry.specialUse) : null;
    if (d.source === 'file') {
      const text = d.file === 'shutdown' ? ctx.deps.shutdown() : ctx.deps.motd();
      return text === null ? null : Buffer.from(text);
    }
    return stored.get(name) ?? null;
  };
  for (const [name, d] of definedEntries(target)) out.set(name, valueOf(name, d));
  for (const [name, value] of stored) if (!out.has(name)) out.set(name, () => value);
  return out;
}

/** The full names one requested entry selects, with DEPTH or its wildcard. */
function selected(name: EntryName, depth: MetadataDepth, candidates: Candidates): string[] {
  const base = `/${name.scope}${name.path}`;
  if (name.wildcard !== null) {
    return [...candidates.keys()].filter((c) => c.length > base.length && c.startsWith(base) && (name.wildcard === '*' || !c.slice(base.length).includes('/')));
  }
  const out = [base];
  if (depth !== 0) {
    const below = `${base}/`;
    for (const c of candidates.keys()) if (c.startsWith(below) && (depth === 'infinity' || !c.slice(below.length).includes('/'))) out.push(c);
  }
  return out;
}

/** What one read of a target's entries gives: the pairs to answer, and the longest value left out over MAXSIZE (0: none). */
export interface MetadataRead {
  pairs: Array<[string, Buffer | null]>;
  longest: number;
}

/**
 * The requested entries of `target` with their values (one read of its stored annotations): what
 * GETMETADATA answers for a mailbox, and LIST's METADATA return option (RFC 9590) for each listed
 * one. The caller has checked mayRead.
 */
export function readEntries(ctx: CommandContext, target: MetadataTarget, names: readonly EntryName[], depth: MetadataDepth, maxSize: number | null): MetadataRead {
  const candidates = candidatesOf(ctx, target);
  const wanted = new Set<string>();
  for (const name of names) for (const full of selected(name, depth, candidates)) wanted.add(full);
  const pairs: Array<[string, Buffer | null]> = [];
  let longest = 0;
  for (const full of [...wanted].sort()) {
    const value = candidates.get(full)?.() ?? null;
    if (value !== null && maxSize !== null && value.length > maxSize) {
      longest = Math.max(longest, value.length);
      continue;
    }
    pairs.push([full, value]);
  }
  return { pairs, longest };
}

/** Entry names as sent, read (BAD for a malformed one). */
export function entryNames(raw: readonly string[]): EntryName[] {
  return raw.map((text) => {
    const name = entryName(text, true);
    if ('error' in name) throw new CommandFailure('BAD', null, name.message);
    return name;
  });
}

export const getMetadataCommand = defineCommand({
  name: 'GETMETADATA',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const names = entryNames(command.entries);
    const target = metadataTarget(ctx, command.mailbox);
    if (!mayRead(target)) return;
    const { pairs, longest } = readEntries(ctx, target, names, command.depth, command.maxSize);
    if (pairs.length > 0) ctx.out.raw(metadataResponse(command.mailbox, pairs));
    if (longest > 0) return { status: 'OK', code: `METADATA LONGENTRIES ${longest}`, text: 'GETMETADATA completed' };
  },
});
