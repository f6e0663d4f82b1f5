/**
 * The checks of the commands and tests that the later extensions add: environment (RFC 5183),
 * ihave's `error` (RFC 5463), enotify (RFC 5435), mboxmetadata and servermetadata (RFC 5490),
 * special-use (RFC 8579), mailboxid (RFC 9042), extlists' valid_ext_list (RFC 6134) and Cyrus's
 * `log` (vnd.cyrus.log). checks.ts asks here for a name it does not know.
 */
import type { Shape, ReadArgs, TagDef } from './arguments.js';
import { stringsOf } from './arguments.js';
import { validNotifyMethod } from './notify.js';
import type { CommandNode, TestNode } from './parser.js';
import type { Command, Fcc, Test } from './program.js';

export interface ExtensionCheckContext {
  line: number;
  read(shape: Shape): ReadArgs | null;
  need(ext: string, what: string): boolean;
  /** Whether the script required (or an ihave enabled) an extension. */
  has(ext: string): boolean;
  err(message: string): void;
  /** Whether a string is a constant (no variable reference in it when variables are on). */
  constant(s: string): boolean;
  /** False (with an error) when a test was given tests of its own. */
  noTests(): boolean;
  validAddress(s: string): boolean;
  /** An extension name as require reads it (lower-cased, an alias as its extension). */
  extensionName(name: string): string;
}

/** A special-use attribute (RFC 6154): a backslash and an atom. */
export const specialUseName = /^\\[A-Za-z][A-Za-z0-9]*$/;

const first = (a: ReadArgs, k: number): string => stringsOf(a.positional[k]!)[0]!;

/** The string a tag was given (its first, for a list); null when the tag is absent. */
function tagString(a: ReadArgs, name: string): string | null {
  const v = a.tags.get(name);
  return v === undefined || v === null ? null : stringsOf(v)[0]!;
}

/** fcc (RFC 8580) on vacation and notify: :fcc and the tags that shape it, each needing its own extension. */
export const FCC_TAGS: Record<string, TagDef> = {
  fcc: { ext: 'fcc', arg: 'string' }, create: { ext: 'mailbox' }, flags: { ext: 'imap4flags', arg: 'strings' },
  specialuse: { ext: 'special-use', arg: 'string' }, mailboxid: { ext: 'mailboxid', arg: 'string' },
};

/** The fcc a command's tags give, or null; :create, :flags, :specialuse and :mailboxid only go with :fcc. */
export function fccOf(owner: string, a: ReadArgs, err: (message: string) => void, constant: (s: string) => boolean): Fcc | null {
  const tag = (name: string): string[] | null => {
    const v = a.tags.get(name);
    return v === undefined || v === null ? null : stringsOf(v);
  };
  const mailbox = tag('fcc')?.[0] ?? null;
  if (mailbox === null) {
    for (const t of ['create', 'flags', 'specialuse', 'mailboxid']) if (a.tags.has(t)) err(`${owner}: :${t} needs :fcc`);
    return null;
  }
  const specialUse = tag('specialuse')?.[0] ?? null;
  if (specialUse !== null && constant(specialUse) && !specialUseName.test(specialUse)) err(`${owner}: :specialuse "${specialUse}" is not a special-use attribute`);
  return { mailbox, create: a.tags.has('create'), flags: tag('flags'), specialUse, mailboxId: tag('mailboxid')?.[0] ?? null };
}

/** A command of these extensions, null when it is wrong (reported), undefined when the name is none of theirs. */
export function extensionCommand(node: CommandNode, c: ExtensionCheckContext): Command | null | undefined {
  const { line } = c;
  switch (node.name) {
    case 'error': {
      if (!c.need('ihave', '"error"')) return null;
      const a = c.read({ positional: ['string'] });
      return a && { kind: 'error', line, message: first(a, 0) };
    }
    case 'log': {
      if (!c.need('vnd.cyrus.log', '"log"')) return null;
      const a = c.read({ positional: ['string'] });
      return a && { kind: 'log', line, text: first(a, 0) };
    }
    case 'notify': {
      // The legacy notify draft's form, for a script that requires "notify" and not "enotify".
      if (c.has('notify') && !c.has('enotify')) return legacyNotify(c);
      if (!c.need('enotify', '"notify"')) return null;
      const a = c.read({
        tags: { from: { arg: 'string' }, importance: { arg: 'string' }, options: { arg: 'strings' }, message: { arg: 'string' }, ...FCC_TAGS },
        positional: ['string'],
      });
      if (a === null) return null;
      const method = first(a, 0);
      if (c.constant(method) && !validNotifyMethod(method)) c.err(`notify: "${method}" is not a notification method this server can use (a mailto: URI with a valid recipient)`);
      const tag = (name: string): string | null => tagString(a, name);
      const from = tag('from');
      if (from !== null && c.constant(from) && !c.validAddress(from)) c.err(`notify: :from "${from}" is not a valid address`);
      const importance = tag('importance');
      if (importance !== null && c.constant(importance) && !['1', '2', '3'].includes(importance)) c.err(`notify: :importance must be "1", "2" or "3", not "${importance}"`);
      const options = a.tags.get('options');
      const fcc = fccOf('notify', a, c.err, c.constant);
      return { kind: 'notify', line, method, from, importance, options: options ? stringsOf(options) : [], message: tag('message'), fcc };
    }
    case 'denotify': {
      if (!c.need('notify', '"denotify"')) return null;
      const a = c.read({ tags: { low: {}, normal: {}, high: {} }, matchType: true, positional: ['string'], optionalFirst: true });
      if (a === null) return null;
      const key = a.positional.length > 0 ? first(a, 0) : null;
      const type = a.match.type;
      if (type !== 'is' && type !== 'contains' && type !== 'matches') {
        c.err('denotify: the match type is :is, :contains or :matches');
        return null;
      }
      return { kind: 'denotify', line, match: key === null ? null : type, key, importance: legacyImportance(a.tags) };
    }
    default:
      return undefined;
  }
}

/** :high, :normal or :low of the legacy notify draft as enotify's importance; null when none. */
function legacyImportance(tags: ReadonlyMap<string, unknown>): string | null {
  return tags.has('high') ? '1' : tags.has('normal') ? '2' : tags.has('low') ? '3' : null;
}

/**
 * notify of the legacy draft (draft-martin-sieve-notify, as Cyrus 3.6 still compiles it):
 * `notify [:method M] [:id ID] [:options [...]] [:low|:normal|:high] [:message TEXT]`. The mailto
 * method (the recipients in :options) becomes enotify's mailto notification; other methods (Cyrus's
 * zephyr, log, null, external through notifyd) have no counterpart here and are logged at delivery.
 */
function legacyNotify(c: ExtensionCheckContext): Command | null {
  const line = c.line;
  const a = c.read({ tags: { method: { arg: 'string' }, id: { arg: 'string' }, options: { arg: 'strings' }, message: { arg: 'string' }, low: {}, normal: {}, high: {} }, positional: [] });
  if (a === null) return null;
  const tag = (name: string): string | null => tagString(a, name);
  const method = (tag('method') ?? 'default').toLowerCase();
  const options = a.tags.get('options');
  const recipients = options ? stringsOf(options) : [];
  if (method !== 'mailto') return { kind: 'notifyElsewhere', line, method };
  if (recipients.length === 0) {
    c.err('notify: :method "mailto" needs the recipients in :options');
    return null;
  }
  for (const r of recipients) if (!c.validAddress(r)) c.err(`notify: :options "${r}" is not a valid address`);
  const uri = `mailto:${recipients.map((r) => encodeURIComponent(r).replace(/%40/g, '@')).join(',')}`;
  return { kind: 'notify', line, method: uri, from: null, importance: legacyImportance(a.tags), options: [], message: tag('message'), fcc: null, legacy: { id: tag('id') } };
}

/** A test of these extensions, null when it is wrong (reported), undefined when the name is none of theirs. */
export function extensionTest(node: TestNode, c: ExtensionCheckContext): Test | null | undefined {
  const matching = { comparator: true, matchType: true };
  switch (node.name) {
    case 'environment': {
      if (!c.need('environment', '"environment"')) return null;
      const a = c.read({ ...matching, positional: ['string', 'strings'] });
      if (a === null || !c.noTests()) return null;
      return { kind: 'environment', name: first(a, 0).toLowerCase(), keys: stringsOf(a.positional[1]!), match: a.match };
    }
    case 'ihave': {
      if (!c.need('ihave', '"ihave"')) return null;
      const a = c.read({ positional: ['strings'] });
      if (a === null || !c.noTests()) return null;
      return { kind: 'ihave', names: stringsOf(a.positional[0]!).map(c.extensionName) };
    }
    case 'valid_ext_list': {
      if (!c.need('extlists', '"valid_ext_list"')) return null;
      const a = c.read({ positional: ['strings'] });
      if (a === null || !c.noTests()) return null;
      const lists = stringsOf(a.positional[0]!);
      // RFC 6134 2.6: a name that is no list is not an error here; the test is false.
      return { kind: 'validextlist', lists };
    }
    case 'valid_notify_method': {
      if (!c.need('enotify', '"valid_notify_method"')) return null;
      const a = c.read({ positional: ['strings'] });
      if (a === null || !c.noTests()) return null;
      return { kind: 'validnotifymethod', uris: stringsOf(a.positional[0]!) };
    }
    case 'notify_method_capability': {
      if (!c.need('enotify', '"notify_method_capability"')) return null;
      const a = c.read({ ...matching, positional: ['string', 'string', 'strings'] });
      if (a === null || !c.noTests()) return null;
      return { kind: 'notifycapability', uri: first(a, 0), capability: first(a, 1), keys: stringsOf(a.positional[2]!), match: a.match };
    }
    case 'metadata':
    case 'servermetadata': {
      const server = node.name === 'servermetadata';
      if (!c.need(server ? 'servermetadata' : 'mboxmetadata', `"${node.name}"`)) return null;
      const a = c.read({ ...matching, positional: server ? ['string', 'strings'] : ['string', 'string', 'strings'] });
      if (a === null || !c.noTests()) return null;
      const entry = first(a, server ? 0 : 1);
      checkEntry(c, node.name, entry);
      return { kind: 'metadata', mailbox: server ? null : first(a, 0), entry, keys: stringsOf(a.positional[server ? 1 : 2]!), match: a.match };
    }
    case 'metadataexists':
    case 'servermetadataexists': {
      const server = node.name === 'servermetadataexists';
      if (!c.need(server ? 'servermetadata' : 'mboxmetadata', `"${node.name}"`)) return null;
      const a = c.read({ positional: server ? ['strings'] : ['string', 'strings'] });
      if (a === null || !c.noTests()) return null;
      const entries = stringsOf(a.positional[server ? 0 : 1]!);
      for (const e of entries) checkEntry(c, node.name, e);
      return { kind: 'metadataexists', mailbox: server ? null : first(a, 0), entries };
    }
    case 'specialuse_exists': {
      if (!c.need('special-use', '"specialuse_exists"')) return null;
      const a = c.read({ positional: ['string', 'strings'], optionalFirst: true });
      if (a === null || !c.noTests()) return null;
      const uses = stringsOf(a.positional[a.positional.length - 1]!);
      for (const u of uses) if (c.constant(u) && !specialUseName.test(u)) c.err(`specialuse_exists: "${u}" is not a special-use attribute (such as "\\\\Junk")`);
      return { kind: 'specialuseexists', mailbox: a.positional.length === 2 ? first(a, 0) : null, uses };
    }
    case 'mailboxidexists': {
      if (!c.need('mailboxid', '"mailboxidexists"')) return null;
      const a = c.read({ positional: ['strings'] });
      if (a === null || !c.noTests()) return null;
      return { kind: 'mailboxidexists', ids: stringsOf(a.positional[0]!) };
    }
    default:
      return undefined;
  }
}

/** An annotation name as RFC 5464 writes it: /shared/... or /private/..., no "*", "%" or "//". */
function checkEntry(c: ExtensionCheckContext, owner: string, entry: string): void {
  if (!c.constant(entry)) return;
  if (!/^\/(shared|private)\/[\x21-\x7e]+$/i.test(entry) || /[*%]|\/\/|\/$/.test(entry)) {
    c.err(`${owner}: "${entry}" is not an annotation name (such as "/private/comment")`);
  }
}
