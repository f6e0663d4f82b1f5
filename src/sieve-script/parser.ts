/**
 * The Sieve grammar (RFC 5228 section 8.2) over the lexer's tokens: commands with their arguments,
 * tests and blocks. Only the shape is checked here; what each command accepts is in checks.ts.
 */
import type { Token } from './lexer.js';

export type Argument =
  | { kind: 'tag'; name: string; line: number }
  | { kind: 'number'; value: number; line: number }
  /** A single string (`list` false) or a bracketed string list. */
  | { kind: 'strings'; values: string[]; list: boolean; line: number };

export interface TestNode {
  name: string;
  args: Argument[];
  tests: TestNode[];
  /** Whether the tests were written as a parenthesised test-list. */
  testList: boolean;
  line: number;
}

export interface CommandNode {
  name: string;
  args: Argument[];
  tests: TestNode[];
  testList: boolean;
  block: CommandNode[] | null;
  line: number;
}

export type ParseResult = { ok: true; commands: CommandNode[] } | { ok: false; error: string };

/** The commands this implementation knows: none of them is a test, so one in a test's place is a slip. */
const COMMAND_NAMES = new Set([
  'require', 'if', 'elsif', 'else', 'stop', 'keep', 'discard', 'fileinto', 'redirect', 'reject', 'ereject', 'vacation',
  'setflag', 'addflag', 'removeflag', 'set', 'notify', 'denotify', 'error', 'log',
]);
/** The commands that take a test. */
const TEST_TAKERS = new Set(['if', 'elsif']);

/** Deeper nesting of blocks and tests than this is refused (a script, not a stack overflow). */
export const MAX_NESTING = 50;

class ParseError extends Error {}

export function parseSieve(tokens: readonly Token[]): ParseResult {
  let pos = 0;
  const lastLine = tokens.length > 0 ? tokens[tokens.length - 1]!.line : 1;
  const fail = (line: number, message: string): never => {
    throw new ParseError(`line ${line}: ${message}`);
  };
  const peek = (): Token | undefined => tokens[pos];
  const isPunct = (t: Token | undefined, p: string): boolean => t !== undefined && t.kind === 'punct' && t.value === p;
  const describe = (t: Token | undefined): string => {
    if (t === undefined) return 'the end of the script';
    switch (t.kind) {
      case 'identifier': return `"${t.value}"`;
      case 'tag': return `":${t.value}"`;
      case 'number': return `the number ${t.value}`;
      case 'string': return 'a string';
      default: return `"${t.value}"`;
    }
  };

  const commands = (depth: number, inBlock: boolean): CommandNode[] => {
    const out: CommandNode[] = [];
    for (;;) {
      const t = peek();
      if (t === undefined) {
        if (inBlock) fail(lastLine, 'missing "}" at the end of the script');
        return out;
      }
      if (isPunct(t, '}')) {
        if (!inBlock) fail(t.line, 'unexpected "}"');
        return out;
      }
      out.push(command(depth));
    }
  };

  const command = (depth: number): CommandNode => {
    const t = peek()!;
    if (t.kind !== 'identifier') fail(t.line, `expected a command name, found ${describe(t)}`);
    pos += 1;
    const name = (t as { value: string }).value;
    const { args, tests, testList } = argumentsOf(0, name, true);
    const next = peek();
    if (isPunct(next, ';')) {
      pos += 1;
      return { name, args, tests, testList, block: null, line: t.line };
    }
    if (isPunct(next, '{')) {
      if (depth + 1 > MAX_NESTING) fail(next!.line, `blocks nested too deeply (more than ${MAX_NESTING})`);
      pos += 1;
      const block = commands(depth + 1, true);
      pos += 1; // the "}"
      return { name, args, tests, testList, block, line: t.line };
    }
    if (next === undefined) return fail(lastLine, `missing ";" after "${name}" at the end of the script`);
    return fail(next.line, `expected ";" or "{" after the arguments of "${name}", found ${describe(next)}`);
  };

  const argumentsOf = (depth: number, owner: string, isCommand?: boolean): { args: Argument[]; tests: TestNode[]; testList: boolean } => {
    const args: Argument[] = [];
    for (;;) {
      const t = peek();
      if (t === undefined) break;
      if (t.kind === 'tag') { args.push({ kind: 'tag', name: t.value, line: t.line }); pos += 1; continue; }
      if (t.kind === 'number') { args.push({ kind: 'number', value: t.value, line: t.line }); pos += 1; continue; }
      if (t.kind === 'string') { args.push({ kind: 'strings', values: [t.value], list: false, line: t.line }); pos += 1; continue; }
      if (isPunct(t, '[')) { args.push(stringList()); continue; }
      break;
    }
    const t = peek();
    if (t !== undefined && t.kind === 'identifier') {
      // A command name where a test would go: the usual slips, named for what they are.
      if (isCommand === true && owner === 'else' && t.value === 'if') fail(t.line, 'write "elsif", not "else if"');
      if (COMMAND_NAMES.has(t.value)) {
        if (isCommand === true && !TEST_TAKERS.has(owner)) fail(t.line, `missing ";" before "${t.value}"`);
        fail(t.line, `missing "{" before "${t.value}"`);
      }
      return { args, tests: [test(depth + 1)], testList: false };
    }
    if (isPunct(t, '(')) {
      return { args, tests: testList(depth + 1, owner), testList: true };
    }
    return { args, tests: [], testList: false };
  };

  const stringList = (): Argument => {
    const open = peek()!;
    pos += 1;
    const values: string[] = [];
    for (;;) {
      const t = peek();
      if (t === undefined || t.kind !== 'string') fail(t?.line ?? lastLine, `expected a string in the list, found ${describe(t)}`);
      values.push((t as { value: string }).value);
      pos += 1;
      const sep = peek();
      if (isPunct(sep, ',')) { pos += 1; continue; }
      if (isPunct(sep, ']')) { pos += 1; break; }
      fail(sep?.line ?? lastLine, `expected "," or "]" in a string list, found ${describe(sep)}`);
    }
    return { kind: 'strings', values, list: true, line: open.line };
  };

  const testList = (depth: number, owner: string): TestNode[] => {
    const open = peek()!;
    if (depth > MAX_NESTING) fail(open.line, `tests nested too deeply (more than ${MAX_NESTING})`);
    pos += 1;
    const out: TestNode[] = [];
    for (;;) {
      out.push(test(depth));
      const sep = peek();
      if (isPunct(sep, ',')) { pos += 1; continue; }
      if (isPunct(sep, ')')) { pos += 1; break; }
      fail(sep?.line ?? lastLine, `expected "," or ")" in the test list of "${owner}", found ${describe(sep)}`);
    }
    return out;
  };

  const test = (depth: number): TestNode => {
    const t = peek();
    if (depth > MAX_NESTING) fail(t?.line ?? lastLine, `tests nested too deeply (more than ${MAX_NESTING})`);
    if (t === undefined || t.kind !== 'identifier') return fail(t?.line ?? lastLine, `expected a test, found ${describe(t)}`);
    pos += 1;
    const { args, tests, testList: isList } = argumentsOf(depth, t.value);
    return { name: t.value, args, tests, testList: isList, line: t.line };
  };

  try {
    return { ok: true, commands: commands(0, false) };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: e.message };
    throw e;
  }
}
