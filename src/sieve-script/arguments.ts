/**
 * Reading a command's or test's arguments against its shape: tags (with their arguments), the
 * comparator, match type and address part, and the positional arguments with their types.
 */
import { COMPARATORS, RELATIONAL_OPERATORS, type ComparatorName, type MatchSpec, type RelationalOperator } from './match.js';
import type { Argument } from './parser.js';
import type { AddressPart } from './program.js';

export type ArgType = 'string' | 'strings' | 'number';

export interface TagDef {
  ext?: string;
  arg?: ArgType;
}

export interface Shape {
  tags?: Record<string, TagDef>;
  comparator?: boolean;
  matchType?: boolean;
  addressPart?: boolean;
  positional: ArgType[];
  /** The first positional argument may be left out (setflag's variable, hasflag's variable list). */
  optionalFirst?: boolean;
}

export interface ReadArgs {
  tags: Map<string, Argument | null>;
  match: MatchSpec;
  addressPart: AddressPart;
  positional: Argument[];
}

const typeName: Record<ArgType, string> = { string: 'a string', strings: 'a string list', number: 'a number' };

const matchTags = new Set(['is', 'contains', 'matches', 'count', 'value', 'regex', 'list']);
const addressTags = new Set(['all', 'localpart', 'domain', 'user', 'detail']);
export type Report = (line: number, message: string) => void;

export function readArgs(
  owner: string, line: number, args: readonly Argument[], shape: Shape, report: Report, required: (ext: string) => boolean,
): ReadArgs | null {
  const tags = new Map<string, Argument | null>();
  let matchType: MatchSpec['type'] | null = null;
  let relation: RelationalOperator | null = null;
  let comparator: ComparatorName | null = null;
  let addressPart: AddressPart | null = null;
  const positional: Argument[] = [];
  let ok = true;
  const bad = (message: string): void => { report(line, message); ok = false; };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg.kind !== 'tag') { positional.push(arg); continue; }
    if (positional.length > 0) { bad(`${owner}: tag ":${arg.name}" must come before the other arguments`); continue; }
    const name = arg.name;
    if (shape.matchType && matchTags.has(name)) {
      if (matchType !== null) { bad(`${owner}: only one match type may be given (:${matchType} and :${name})`); continue; }
      matchType = name as MatchSpec['type'];
      if (name === 'regex' && !required('regex')) bad(':regex needs require "regex"');
      if (name === 'list' && !required('extlists')) bad(':list needs require "extlists"');
      if (name === 'count' || name === 'value') {
        if (!required('relational')) bad(`:${name} needs require "relational"`);
        const op = args[i + 1];
        if (op === undefined || op.kind !== 'strings' || op.list) { bad(`${owner}: :${name} needs a relational operator ("gt", "ge", "lt", "le", "eq" or "ne")`); continue; }
        i += 1;
        const value = op.values[0]!.toLowerCase();
        if (!(RELATIONAL_OPERATORS as readonly string[]).includes(value)) {
          bad(`${owner}: unknown relational operator "${op.values[0]}" (use "gt", "ge", "lt", "le", "eq" or "ne")`);
          continue;
        }
        relation = value as RelationalOperator;
      }
      continue;
    }
    if (shape.comparator && name === 'comparator') {
      if (comparator !== null) { bad(`${owner}: :comparator given twice`); continue; }
      const c = args[i + 1];
      if (c === undefined || c.kind !== 'strings' || c.list) { bad(`${owner}: :comparator needs a comparator name`); continue; }
      i += 1;
      const value = c.values[0]!.toLowerCase();
      if (!(COMPARATORS as readonly string[]).includes(value)) { bad(`${owner}: unknown comparator "${c.values[0]}"`); continue; }
      if (value === 'i;ascii-numeric' && !required('comparator-i;ascii-numeric')) bad('comparator "i;ascii-numeric" needs require "comparator-i;ascii-numeric"');
      comparator = value as ComparatorName;
      continue;
    }
    if (shape.addressPart && addressTags.has(name)) {
      if (addressPart !== null) { bad(`${owner}: only one address part may be given (:${addressPart} and :${name})`); continue; }
      if ((name === 'user' || name === 'detail') && !required('subaddress')) bad(`:${name} needs require "subaddress"`);
      addressPart = name as AddressPart;
      continue;
    }
    const def = shape.tags?.[name];
    if (def === undefined) { bad(`${owner}: unknown tag ":${name}"`); continue; }
    if (def.ext !== undefined && !required(def.ext)) bad(`:${name} needs require "${def.ext}"`);
    if (tags.has(name)) { bad(`${owner}: :${name} given twice`); continue; }
    if (def.arg === undefined) { tags.set(name, null); continue; }
    const value = args[i + 1];
    if (value === undefined || value.kind === 'tag' || !fits(def.arg, value)) {
      bad(`${owner}: :${name} needs ${typeName[def.arg]}`);
      continue;
    }
    i += 1;
    tags.set(name, value);
  }
  const want = shape.positional;
  const least = shape.optionalFirst ? want.length - 1 : want.length;
  if (positional.length < least || positional.length > want.length) {
    const count = least === want.length ? `${want.length}` : `${least} or ${want.length}`;
    bad(`${owner}: expected ${count} argument${want.length === 1 ? '' : 's'} after the tags, found ${positional.length}`);
    return null;
  }
  const offset = want.length - positional.length;
  positional.forEach((arg, k) => {
    const type = want[k + offset]!;
    if (!fits(type, arg)) bad(`${owner}: argument ${k + 1} must be ${typeName[type]}, not ${describeArg(arg)}`);
  });
  const cmp = comparator ?? 'i;ascii-casemap';
  const mt = matchType ?? 'is';
  if (cmp === 'i;ascii-numeric' && (mt === 'contains' || mt === 'matches' || mt === 'regex')) {
    bad(`${owner}: comparator "i;ascii-numeric" cannot be used with :${mt}`);
  }
  if (!ok) return null;
  return { tags, match: { type: mt, relation, comparator: cmp }, addressPart: addressPart ?? 'all', positional };
}

function fits(type: ArgType, arg: Argument): boolean {
  if (type === 'number') return arg.kind === 'number';
  if (arg.kind !== 'strings') return false;
  return type === 'strings' || !arg.list;
}

function describeArg(arg: Argument): string {
  if (arg.kind === 'number') return 'a number';
  if (arg.kind === 'tag') return 'a tag';
  return arg.list ? 'a string list' : 'a string';
}

export function stringsOf(arg: Argument): string[] {
  return arg.kind === 'strings' ? arg.values : [];
}

