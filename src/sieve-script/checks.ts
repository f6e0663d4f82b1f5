/**
 * The checks after parsing: `require` first and only of allowed extensions, each command's and
 * test's arguments (count, types, tags and their arguments, comparators, match types, address
 * parts), extensions used without their `require`, and the if/elsif/else chain. Builds the typed
 * program the interpreter runs.
 */
import { addrSpecOf } from './address.js';
import { DATE_PARTS, parseZone } from './date.js';
import type { Argument, CommandNode, TestNode } from './parser.js';
import { readArgs, stringsOf, type ReadArgs, type Shape, type TagDef } from './arguments.js';
import { extensionCommand, extensionTest, FCC_TAGS, fccOf, specialUseName, type ExtensionCheckContext } from './checks-extensions.js';
import { decodeCharactersIn } from './encoded.js';
import { addressBookOf, unsupportedList } from './extlists.js';
import { REDIRECT_TAGS, redirectCommand } from './redirect.js';
import { translateEre } from './regex.js';
import type { Branch, Command, FieldIndex, SetModifier, Test } from './program.js';

/** Extensions the language itself implies and `require` accepts without their being listed. */
const ALWAYS_ALLOWED = new Set(['comparator-i;octet', 'comparator-i;ascii-casemap']);

/** Older names `require` and `ihave` accept for an extension, as Cyrus does (its legacy capability strings). */
export const EXTENSION_ALIASES: Readonly<Record<string, string>> = { 'x-cyrus-log': 'vnd.cyrus.log' };

/** An extension name as `require` and `ihave` read it: lower-cased, an old name as the one it stands for. */
export function extensionName(name: string): string {
  const lower = name.toLowerCase();
  return EXTENSION_ALIASES[lower] ?? lower;
}

/** The modifiers of `set` by precedence (RFC 5229 4.1; :encodeurl is RFC 5435's, between quotewildcard and length). */
const setModifiers: Record<string, number> = { lower: 40, upper: 40, lowerfirst: 30, upperfirst: 30, quotewildcard: 20, encodeurl: 15, length: 10 };

export interface CheckResult {
  commands: Command[];
  requires: string[];
  /** The required extensions and those an `ihave` test enabled inside its block. */
  enabled: string[];
  errors: string[];
}

export function checkProgram(nodes: readonly CommandNode[], allowed: ReadonlySet<string>): CheckResult {
  const errors: string[] = [];
  const requires = new Set<string>();
  const err = (line: number, message: string): void => {
    if (errors.length < 20) errors.push(`line ${line}: ${message}`);
  };
  /** The extensions an enclosing `ihave` test enabled (RFC 5463 section 4), and every one ever enabled. */
  const scoped = new Map<string, number>();
  const enabled = new Set<string>();
  const has = (ext: string): boolean => requires.has(ext) || scoped.has(ext);
  const need = (line: number, ext: string, what: string): boolean => {
    if (has(ext) || (ext === 'vacation' && has('vacation-seconds'))) return true;
    err(line, `${what} needs require "${ext}"`);
    return false;
  };
  const variables = (): boolean => has('variables');
  const checkHeaderNames = (line: number, owner: string, names: readonly string[]): void => {
    for (const n of names) if (constant(n) && !headerName.test(n)) err(line, `${owner}: invalid header name "${n}"`);
  };
  const constant = (s: string): boolean => !(variables() && s.includes('${'));

  // require: only at the start of the script.
  let index = 0;
  for (; index < nodes.length && nodes[index]!.name === 'require'; index += 1) {
    const node = nodes[index]!;
    const args = readArgs(node.name, node.line, node.args, { positional: ['strings'] }, err, has);
    noTestsOrBlock(node, err);
    if (args === null) continue;
    for (const ext of stringsOf(args.positional[0]!)) {
      const name = extensionName(ext);
      if (allowed.has(name) || ALWAYS_ALLOWED.has(name)) requires.add(name);
      else err(node.line, `unsupported extension "${ext}"`);
    }
  }

  if (has('encoded-character')) {
    for (let i = index; i < nodes.length; i += 1) decodeCharactersIn(nodes[i]!, err);
  }

  const command = (node: CommandNode): Command | null => {
    const line = node.line;
    const read = (shape: Shape): ReadArgs | null => readArgs(node.name, line, node.args, shape, err, has);
    if (!['if', 'elsif', 'else'].includes(node.name)) noTestsOrBlock(node, err);
    switch (node.name) {
      case 'require':
        err(line, '"require" must come before any other command');
        return null;
      case 'if':
      case 'elsif':
      case 'else':
        return null; // handled by the block walker
      case 'stop':
        return read({ positional: [] }) && { kind: 'stop', line };
      case 'discard':
        return read({ positional: [] }) && { kind: 'discard', line };
      case 'keep': {
        const a = read({ tags: { flags: { ext: 'imap4flags', arg: 'strings' } }, positional: [] });
        if (a === null) return null;
        return { kind: 'keep', line, flags: tagStrings(a, 'flags') };
      }
      case 'fileinto': {
        if (!need(line, 'fileinto', '"fileinto"')) return null;
        const a = read({
          tags: {
            copy: { ext: 'copy' }, flags: { ext: 'imap4flags', arg: 'strings' }, create: { ext: 'mailbox' },
            specialuse: { ext: 'special-use', arg: 'string' }, mailboxid: { ext: 'mailboxid', arg: 'string' },
          },
          positional: ['string'],
        });
        if (a === null) return null;
        const specialUse = tagString(a, 'specialuse');
        if (specialUse !== null && constant(specialUse) && !specialUseName.test(specialUse)) {
          err(line, `fileinto: :specialuse "${specialUse}" is not a special-use attribute (such as "\\\\Junk")`);
        }
        return {
          kind: 'fileinto', line, mailbox: stringsOf(a.positional[0]!)[0]!, flags: tagStrings(a, 'flags'),
          copy: a.tags.has('copy'), create: a.tags.has('create'), specialUse, mailboxId: tagString(a, 'mailboxid'),
        };
      }
      case 'redirect': {
        const a = read({ tags: REDIRECT_TAGS, positional: ['string'] });
        if (a === null) return null;
        return redirectCommand(line, a, (message) => err(line, message), constant, validAddress);
      }
      case 'reject':
      case 'ereject': {
        if (!need(line, node.name, `"${node.name}"`)) return null;
        const a = read({ positional: ['string'] });
        if (a === null) return null;
        return { kind: 'reject', line, reason: stringsOf(a.positional[0]!)[0]!, extended: node.name === 'ereject' };
      }
      case 'vacation': {
        if (!need(line, 'vacation', '"vacation"')) return null;
        const a = read({
          tags: {
            days: { arg: 'number' }, seconds: { ext: 'vacation-seconds', arg: 'number' }, subject: { arg: 'string' },
            from: { arg: 'string' }, addresses: { arg: 'strings' }, mime: {}, handle: { arg: 'string' }, ...FCC_TAGS,
          },
          positional: ['string'],
        });
        if (a === null) return null;
        if (a.tags.has('days') && a.tags.has('seconds')) err(line, 'vacation: :days and :seconds cannot be used together');
        const from = tagString(a, 'from');
        if (from !== null && constant(from) && !validAddress(from)) err(line, `vacation: :from "${from}" is not a valid address`);
        return {
          kind: 'vacation', line, days: tagNumber(a, 'days'), seconds: tagNumber(a, 'seconds'),
          subject: tagString(a, 'subject'), from, addresses: tagStrings(a, 'addresses') ?? [],
          mime: a.tags.has('mime'), handle: tagString(a, 'handle'), reason: stringsOf(a.positional[0]!)[0]!,
          fcc: fccOf('vacation', a, (message) => err(line, message), constant),
        };
      }
      case 'setflag':
      case 'addflag':
      case 'removeflag': {
        if (!need(line, 'imap4flags', `"${node.name}"`)) return null;
        const a = read({ positional: ['string', 'strings'], optionalFirst: true });
        if (a === null) return null;
        let variable: string | null = null;
        if (a.positional.length === 2) {
          variable = stringsOf(a.positional[0]!)[0]!;
          if (need(line, 'variables', `"${node.name}" with a variable name`) && !validVariableName(variable)) {
            err(line, `invalid variable name "${variable}"`);
          }
        }
        const op = node.name === 'setflag' ? 'set' : node.name === 'addflag' ? 'add' : 'remove';
        return { kind: 'flags', line, op, variable, flags: stringsOf(a.positional[a.positional.length - 1]!) };
      }
      case 'set': {
        if (!need(line, 'variables', '"set"')) return null;
        const tags: Record<string, TagDef> = {};
        for (const m of Object.keys(setModifiers)) tags[m] = m === 'encodeurl' ? { ext: 'enotify' } : {};
        const a = read({ tags, positional: ['string', 'string'] });
        if (a === null) return null;
        const name = stringsOf(a.positional[0]!)[0]!;
        if (!validVariableName(name)) err(line, `invalid variable name "${name}"`);
        const modifiers = [...a.tags.keys()] as SetModifier[];
        const seen = new Map<number, string>();
        for (const m of modifiers) {
          const other = seen.get(setModifiers[m]!);
          if (other !== undefined) err(line, `set: :${other} and :${m} cannot be used together`);
          seen.set(setModifiers[m]!, m);
        }
        modifiers.sort((x, y) => setModifiers[y]! - setModifiers[x]!);
        return { kind: 'set', line, name: name.toLowerCase(), value: stringsOf(a.positional[1]!)[0]!, modifiers };
      }
      case 'include': {
        if (!need(line, 'include', '"include"')) return null;
        const a = read({ tags: { personal: {}, global: {}, once: {}, optional: {} }, positional: ['string'] });
        if (a === null) return null;
        if (a.tags.has('personal') && a.tags.has('global')) err(line, 'include: :personal and :global cannot be used together');
        const name = stringsOf(a.positional[0]!)[0]!;
        // RFC 6609 3.2: the name is a constant; variables are not expanded in it.
        if (has('variables') && name.includes('${')) err(line, `include: the script name "${name}" must be a constant (no variables)`);
        else if (name === '' || name.includes('/') || name.startsWith('.')) err(line, `include: "${name}" is not a valid script name`);
        return {
          kind: 'include', line, location: a.tags.has('global') ? 'global' : 'personal',
          once: a.tags.has('once'), optional: a.tags.has('optional'), name,
        };
      }
      case 'addheader': {
        if (!need(line, 'editheader', '"addheader"')) return null;
        const a = read({ tags: { last: {} }, positional: ['string', 'string'] });
        if (a === null) return null;
        const name = stringsOf(a.positional[0]!)[0]!;
        if (constant(name) && !headerName.test(name)) err(line, `addheader: invalid header name "${name}"`);
        return { kind: 'addheader', line, last: a.tags.has('last'), name, value: stringsOf(a.positional[1]!)[0]! };
      }
      case 'deleteheader': {
        if (!need(line, 'editheader', '"deleteheader"')) return null;
        const a = read({ comparator: true, matchType: true, tags: { index: { arg: 'number' }, last: {} }, positional: ['string', 'strings'], optionalFirst: true });
        if (a === null) return null;
        // The value patterns are what may be left out: one argument is the field name.
        const nameArg = a.positional[0]!;
        if (nameArg.kind === 'strings' && nameArg.list) { err(line, 'deleteheader: the field name must be a string, not a string list'); return null; }
        const name = stringsOf(nameArg)[0]!;
        if (constant(name) && !headerName.test(name)) err(line, `deleteheader: invalid header name "${name}"`);
        const index = tagNumber(a, 'index');
        if (a.tags.has('last') && index === null) err(line, 'deleteheader: :last needs :index');
        if (index !== null && index < 1) err(line, 'deleteheader: :index counts from 1');
        if (a.match.type === 'count' || a.match.type === 'list') err(line, `deleteheader: :${a.match.type} cannot be used here`);
        const patterns = a.positional.length === 2 ? stringsOf(a.positional[1]!) : null;
        if (patterns !== null && a.match.type === 'regex') checkRegexKeys(line, patterns);
        return { kind: 'deleteheader', line, index, last: a.tags.has('last'), match: a.match, name, patterns };
      }
      case 'return':
        if (!need(line, 'include', '"return"')) return null;
        return read({ positional: [] }) && { kind: 'return', line };
      case 'global': {
        if (!need(line, 'include', '"global"') || !need(line, 'variables', '"global"')) return null;
        const a = read({ positional: ['strings'] });
        if (a === null) return null;
        const names = stringsOf(a.positional[0]!);
        for (const n of names) if (!validVariableName(n)) err(line, `global: invalid variable name "${n}"`);
        return { kind: 'global', line, names: names.map((n) => n.toLowerCase()) };
      }
      default: {
        const c = extensionCommand(node, extensionContext(line, node.name, node.args, () => true));
        if (c === undefined) err(line, `unknown command "${node.name}"`);
        return c ?? null;
      }
    }
  };

  const extensionContext = (line: number, owner: string, args: readonly Argument[], noTests: () => boolean): ExtensionCheckContext => ({
    line,
    read: (shape) => readArgs(owner, line, args, shape, err, has),
    need: (ext, what) => need(line, ext, what),
    has,
    err: (message) => err(line, message),
    constant,
    noTests,
    validAddress,
    extensionName,
  });
  /** :index and :last (RFC 5260 section 6) of header, address and date. */
  const indexTags: Record<string, TagDef> = { index: { ext: 'index', arg: 'number' }, last: { ext: 'index' } };
  const fieldIndex = (line: number, a: ReadArgs): { at?: FieldIndex } => {
    const index = tagNumber(a, 'index');
    if (index === null) {
      if (a.tags.has('last')) err(line, ':last needs :index');
      return {};
    }
    if (index < 1) err(line, ':index counts from 1');
    return { at: { index, last: a.tags.has('last') } };
  };

  const testOf = (node: TestNode): Test | null => {
    const line = node.line;
    const read = (shape: Shape): ReadArgs | null => readArgs(node.name, line, node.args, shape, err, has);
    const noTests = (): boolean => {
      if (node.tests.length === 0) return true;
      const next = node.tests[0]!;
      err(next.line, `"${node.name}" takes no test (is a "," missing before "${next.name}"?)`);
      return false;
    };
    switch (node.name) {
      case 'true':
      case 'false':
        return read({ positional: [] }) && noTests() ? { kind: node.name } : null;
      case 'allof':
      case 'anyof': {
        if (read({ positional: [] }) === null) return null;
        if (!node.testList) { err(line, `"${node.name}" needs a list of tests in parentheses`); return null; }
        const tests = node.tests.map(test);
        return tests.every((t) => t !== null) ? { kind: node.name, tests: tests as Test[] } : null;
      }
      case 'not': {
        if (read({ positional: [] }) === null) return null;
        if (node.testList || node.tests.length !== 1) { err(line, '"not" needs exactly one test'); return null; }
        const inner = test(node.tests[0]!);
        return inner && { kind: 'not', test: inner };
      }
      case 'header': {
        const a = read({ comparator: true, matchType: true, tags: indexTags, positional: ['strings', 'strings'] });
        if (a === null || !noTests()) return null;
        checkHeaderNames(line, 'header', stringsOf(a.positional[0]!));
        return { kind: 'header', names: lowerNames(a.positional[0]!), keys: stringsOf(a.positional[1]!), match: a.match, ...fieldIndex(line, a) };
      }
      case 'address':
      case 'envelope': {
        if (node.name === 'envelope' && !need(line, 'envelope', '"envelope"')) return null;
        const a = read({ comparator: true, matchType: true, addressPart: true, tags: node.name === 'address' ? indexTags : {}, positional: ['strings', 'strings'] });
        if (a === null || !noTests()) return null;
        const names = lowerNames(a.positional[0]!);
        if (node.name === 'address') {
          checkHeaderNames(line, 'address', names);
          for (const n of names) {
            if (constant(n) && headerName.test(n) && !addressHeaders.has(n) && !n.startsWith('x-')) {
              err(line, `address: "${n}" is not a header that holds addresses`);
            }
          }
        }
        if (node.name === 'envelope') {
          for (const n of names) {
            if (constant(n) && n !== 'from' && n !== 'to') err(line, `envelope: unsupported envelope part "${n}" (only "from" and "to")`);
          }
        }
        return { kind: node.name, part: a.addressPart, names, keys: stringsOf(a.positional[1]!), match: a.match, ...(node.name === 'address' ? fieldIndex(line, a) : {}) };
      }
      case 'exists': {
        const a = read({ positional: ['strings'] });
        if (a === null || !noTests()) return null;
        checkHeaderNames(line, 'exists', stringsOf(a.positional[0]!));
        return { kind: 'exists', names: lowerNames(a.positional[0]!) };
      }
      case 'size': {
        const a = read({ tags: { over: {}, under: {} }, positional: ['number'] });
        if (a === null || !noTests()) return null;
        if (a.tags.has('over') === a.tags.has('under')) { err(line, 'size needs exactly one of :over and :under'); return null; }
        return { kind: 'size', over: a.tags.has('over'), limit: (a.positional[0] as { value: number }).value };
      }
      case 'body': {
        if (!need(line, 'body', '"body"')) return null;
        const a = read({
          comparator: true, matchType: true,
          tags: { raw: {}, text: {}, content: { arg: 'strings' } }, positional: ['strings'],
        });
        if (a === null || !noTests()) return null;
        const transforms = ['raw', 'text', 'content'].filter((t) => a.tags.has(t));
        if (transforms.length > 1) err(line, 'body: only one of :raw, :text and :content may be given');
        const transform = (transforms[0] ?? 'text') as 'raw' | 'text' | 'content';
        return { kind: 'body', transform, contentTypes: tagStrings(a, 'content') ?? [], keys: stringsOf(a.positional[0]!), match: a.match };
      }
      case 'hasflag': {
        if (!need(line, 'imap4flags', '"hasflag"')) return null;
        const a = read({ comparator: true, matchType: true, positional: ['strings', 'strings'], optionalFirst: true });
        if (a === null || !noTests()) return null;
        let vars: string[] | null = null;
        if (a.positional.length === 2) {
          vars = stringsOf(a.positional[0]!);
          if (need(line, 'variables', '"hasflag" with variable names')) {
            for (const v of vars) if (!validVariableName(v)) err(line, `invalid variable name "${v}"`);
          }
          vars = vars.map((v) => v.toLowerCase());
        }
        return { kind: 'hasflag', variables: vars, keys: stringsOf(a.positional[a.positional.length - 1]!), match: a.match };
      }
      case 'mailboxexists': {
        if (!need(line, 'mailbox', '"mailboxexists"')) return null;
        const a = read({ positional: ['strings'] });
        if (a === null || !noTests()) return null;
        return { kind: 'mailboxexists', names: stringsOf(a.positional[0]!) };
      }
      case 'string': {
        if (!need(line, 'variables', '"string"')) return null;
        const a = read({ comparator: true, matchType: true, positional: ['strings', 'strings'] });
        if (a === null || !noTests()) return null;
        return { kind: 'string', sources: stringsOf(a.positional[0]!), keys: stringsOf(a.positional[1]!), match: a.match };
      }
      case 'duplicate': {
        if (!need(line, 'duplicate', '"duplicate"')) return null;
        const a = read({
          tags: { handle: { arg: 'string' }, header: { arg: 'string' }, uniqueid: { arg: 'string' }, seconds: { arg: 'number' }, last: {} },
          positional: [],
        });
        if (a === null || !noTests()) return null;
        if (a.tags.has('header') && a.tags.has('uniqueid')) err(line, 'duplicate: :header and :uniqueid cannot be used together');
        const header = tagString(a, 'header');
        if (header !== null) checkHeaderNames(line, 'duplicate', [header]);
        return {
          kind: 'duplicate', handle: tagString(a, 'handle'), header: header === null ? null : header.toLowerCase(),
          uniqueId: tagString(a, 'uniqueid'), seconds: tagNumber(a, 'seconds'), last: a.tags.has('last'),
        };
      }
      case 'date':
      case 'currentdate': {
        if (!need(line, 'date', `"${node.name}"`)) return null;
        const isDate = node.name === 'date';
        const tags: Record<string, TagDef> = isDate ? { zone: { arg: 'string' }, originalzone: {}, ...indexTags } : { zone: { arg: 'string' } };
        const a = read({ comparator: true, matchType: true, tags, positional: isDate ? ['string', 'string', 'strings'] : ['string', 'strings'] });
        if (a === null || !noTests()) return null;
        const zone = tagString(a, 'zone');
        if (zone !== null && a.tags.has('originalzone')) err(line, `${node.name}: :zone and :originalzone cannot be used together`);
        if (zone !== null && constant(zone) && parseZone(zone) === null) err(line, `${node.name}: bad time zone "${zone}" (use +hhmm or -hhmm)`);
        const strings = a.positional.map((p) => stringsOf(p));
        const part = strings[isDate ? 1 : 0]![0]!;
        if (constant(part) && !(DATE_PARTS as readonly string[]).includes(part.toLowerCase())) err(line, `${node.name}: unknown date part "${part}"`);
        return {
          kind: 'date', header: isDate ? strings[0]![0]!.toLowerCase() : null, zone, originalZone: a.tags.has('originalzone'),
          part: part.toLowerCase(), keys: strings[strings.length - 1]!, match: a.match, ...(isDate ? fieldIndex(line, a) : {}),
        };
      }
      default: {
        const t = extensionTest(node, extensionContext(line, node.name, node.args, noTests));
        if (t === undefined) err(line, `unknown test "${node.name}"`);
        return t ?? null;
      }
    }
  };

  /**
   * A test, with its :regex keys and :list names checked when they are constants (a key built from
   * variables is checked when run).
   */
  const test = (node: TestNode): Test | null => {
    const t = testOf(node);
    if (t !== null && 'match' in t && t.match.type === 'regex') checkRegexKeys(node.line, t.keys);
    if (t !== null && 'match' in t && t.match.type === 'list') {
      for (const key of t.keys) if (constant(key) && addressBookOf(key) === null) err(node.line, unsupportedList(`${node.name} :list`, key));
    }
    return t;
  };
  const checkRegexKeys = (line: number, keys: readonly string[]): void => {
    for (const key of keys) {
      if (!constant(key)) continue;
      const t = translateEre(key);
      if (!t.ok) err(line, `:regex "${key}": ${t.error}`);
    }
  };

  const block = (list: readonly CommandNode[], from: number): Command[] => {
    const out: Command[] = [];
    for (let i = from; i < list.length; i += 1) {
      const node = list[i]!;
      if (node.name === 'elsif' || node.name === 'else') {
        err(node.line, `"${node.name}" without a preceding "if"`);
        continue;
      }
      if (node.name !== 'if') {
        const c = command(node);
        if (c !== null) out.push(c);
        continue;
      }
      const branches: Branch[] = [];
      let j = i;
      for (; j < list.length; j += 1) {
        const part = list[j]!;
        if (j > i && part.name !== 'elsif' && part.name !== 'else') break;
        if (j > i && list[j - 1]!.name === 'else') break;
        branches.push(branch(part));
      }
      i = j - 1;
      out.push({ kind: 'if', line: node.line, branches });
    }
    return out;
  };

  const branch = (node: CommandNode): Branch => {
    readArgs(node.name, node.line, node.args, { positional: [] }, err, has);
    let t: Test | null = null;
    if (node.name === 'else') {
      if (node.tests.length > 0) err(node.line, '"else" takes no test');
    } else if (node.tests.length !== 1 || node.testList) {
      err(node.line, `"${node.name}" needs exactly one test`);
    } else {
      t = test(node.tests[0]!);
    }
    if (node.block === null) err(node.line, `"${node.name}" needs a block in braces`);
    if (node.block === null) return { test: t, body: [] };
    // ihave (RFC 5463 section 4): inside the block its extensions count as required; when the server
    // lacks one the test is false, and the block (which may use commands unknown here) is not checked.
    const asked = t === null ? [] : ihaveNames(t);
    if (asked.some((e) => !allowed.has(e) && !ALWAYS_ALLOWED.has(e))) return { test: t, body: [] };
    for (const e of asked) {
      scoped.set(e, (scoped.get(e) ?? 0) + 1);
      enabled.add(e);
    }
    try {
      return { test: t, body: block(node.block, 0) };
    } finally {
      for (const e of asked) {
        const n = scoped.get(e)! - 1;
        if (n === 0) scoped.delete(e);
        else scoped.set(e, n);
      }
    }
  };

  const commands = block(nodes, index);
  return { commands, requires: [...requires], enabled: [...new Set([...requires, ...enabled])], errors };
}

/** The extensions an if's test asks about with ihave: its own, or those of ihave tests inside allof. */
function ihaveNames(t: Test): string[] {
  if (t.kind === 'ihave') return t.names;
  if (t.kind === 'allof') return t.tests.flatMap(ihaveNames);
  return [];
}

function noTestsOrBlock(node: CommandNode, err: (line: number, message: string) => void): void {
  const next = node.tests[0];
  if (next !== undefined) err(next.line, `"${node.name}" takes no test (is a ";" missing before "${next.name}"?)`);
  if (node.block !== null) err(node.line, `"${node.name}" takes no block`);
}

const lowerNames = (arg: Argument): string[] => stringsOf(arg).map((s) => s.toLowerCase());

/**
 * The headers the address test reads (RFC 5228 5.1 restricts it to headers holding addresses);
 * X- headers are allowed too, since sites put addresses in them (X-Original-To, ...).
 */
const addressHeaders = new Set([
  'from', 'sender', 'reply-to', 'to', 'cc', 'bcc', 'resent-from', 'resent-sender', 'resent-reply-to', 'resent-to',
  'resent-cc', 'resent-bcc', 'return-path', 'delivered-to', 'envelope-to', 'errors-to', 'disposition-notification-to',
  'mail-followup-to', 'mail-reply-to', 'approved', 'original-recipient', 'final-recipient',
]);

/** A field name as RFC 5322 allows it: printable ASCII without ":" or blanks. */
const headerName = /^[\x21-\x39\x3b-\x7e]+$/;

function tagStrings(a: ReadArgs, name: string): string[] | null {
  const arg = a.tags.get(name);
  return arg === undefined || arg === null ? null : stringsOf(arg);
}

function tagString(a: ReadArgs, name: string): string | null {
  return tagStrings(a, name)?.[0] ?? null;
}

function tagNumber(a: ReadArgs, name: string): number | null {
  const arg = a.tags.get(name);
  return arg !== undefined && arg !== null && arg.kind === 'number' ? arg.value : null;
}

/** identifier, or a namespaced name (a.b); match variables (digits) cannot be set. */
export function validVariableName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/** An addr-spec with a local part and a domain (a redirect target, a vacation :from). */
export function validAddress(value: string): boolean {
  return addrSpecOf(value) !== null;
}

