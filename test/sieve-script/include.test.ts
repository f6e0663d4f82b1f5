// include (RFC 6609): include / return / global, with the scripts given by an injected loader.
import { describe, expect, it } from 'vitest';
import { compileSieve, runSieve, type CompiledScript, type IncludeLoader, type SieveEnvironment, type SieveMessage } from '../../src/sieve-script/index.js';

const header = Buffer.from('From: a@example.org\r\nSubject: hello world\r\nMessage-ID: <1@example.org>\r\n\r\n');
const msg: SieveMessage = { header, content: Buffer.concat([header, Buffer.from('Body.\r\n')]), size: header.length + 7 };
const env: SieveEnvironment = { envelopeFrom: 'a@example.org', envelopeTo: 'me@example.com', userAddresses: ['me@example.com'], mailboxExists: () => true };

function compile(source: string): CompiledScript {
  const r = compileSieve(source);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.script;
}

/** A loader over named sources: personal ones as given, global ones under "global:NAME". */
function loader(scripts: Record<string, string>, asked: string[] = []): IncludeLoader {
  return (location, name) => {
    asked.push(`${location}:${name}`);
    const text = scripts[location === 'global' ? `global:${name}` : name];
    if (text === undefined) return null;
    const r = compileSieve(text);
    return r.ok ? r.script : r.errors[0]!;
  };
}

function run(source: string, scripts: Record<string, string>, asked?: string[]) {
  return runSieve(compile(source), msg, env, { include: loader(scripts, asked) });
}

const head = 'require ["include", "fileinto", "variables"];\n';

describe('include', () => {
  it.each([
    ['a personal script adds its actions', `${head}include "lists";`, { lists: 'require "fileinto"; fileinto "Lists";' },
      [{ type: 'fileinto', mailbox: 'Lists', flags: null, create: false }], null],
    ['a global script is looked up as global', `${head}include :global "spam";`, { 'global:spam': 'require "fileinto"; fileinto "Junk";', spam: 'discard;' },
      [{ type: 'fileinto', mailbox: 'Junk', flags: null, create: false }], null],
    ['an :optional missing script is skipped', `${head}include :optional "gone"; fileinto "After";`, {},
      [{ type: 'fileinto', mailbox: 'After', flags: null, create: false }], null],
    ['a missing script without :optional is a runtime error: keep', `${head}include "gone"; fileinto "After";`, {},
      [{ type: 'keep', flags: null }], /line 2: include: no personal script "gone"/],
    ['a script that does not compile is a runtime error', `${head}include "bad";`, { bad: 'fileinto "x"' },
      [{ type: 'keep', flags: null }], /include "bad" \(personal\): line 1/],
    ['an include cycle is a runtime error: only the implicit keep', `${head}fileinto "A"; include "b";`,
      { b: 'require "include"; discard; include "c";', c: 'require "include"; include "b";' },
      [{ type: 'keep', flags: null }], /include loop: "b"/],
    ['a script including itself is a loop', `${head}include "self";`, { self: 'require "include"; include "self";' },
      [{ type: 'keep', flags: null }], /include loop/],
    ['return ends only the included script', `${head}include "r"; fileinto "Parent";`,
      { r: 'require ["include", "fileinto"]; fileinto "R1"; return; fileinto "R2";' },
      [{ type: 'fileinto', mailbox: 'R1', flags: null, create: false }, { type: 'fileinto', mailbox: 'Parent', flags: null, create: false }], null],
    ['return at the top ends the script (implicit keep stays)', `${head}return; discard;`, {}, [{ type: 'keep', flags: null }], null],
    ['stop in an included script stops everything', `${head}include "s"; fileinto "Parent";`, { s: 'stop;' }, [{ type: 'keep', flags: null }], null],
  ] as const)('%s', (_name, source, scripts, actions, error) => {
    const out = run(source, scripts);
    expect(out.actions).toEqual(actions);
    if (error === null) expect(out.error).toBeNull();
    else expect(out.error).toMatch(error);
  });

  it('including the running script itself (by its name) is a loop at once', () => {
    const r = compileSieve(`${head}fileinto "A"; include "main";`);
    if (!r.ok) throw new Error(r.errors[0]);
    const out = runSieve(r.script, msg, env, { include: loader({ main: 'discard;' }), scriptName: 'main' });
    expect(out.actions).toEqual([{ type: 'keep', flags: null }]);
    expect(out.error).toMatch(/include loop: "main"/);
  });

  it(':once includes a script only once per run, a plain include again', () => {
    const asked: string[] = [];
    const lib = { lib: 'require ["variables", "include"]; global "n"; set "n" "${n}x";' };
    const out = run(`${head}global "n"; include :once "lib"; include :once "lib"; include "lib"; fileinto "n-\${n}";`, lib, asked);
    expect(out.actions).toEqual([{ type: 'fileinto', mailbox: 'n-xx', flags: null, create: false }]);
    expect(asked).toEqual(['personal:lib', 'personal:lib']);
  });

  it('global variables are shared; the others stay in their script', () => {
    const scripts = { lib: 'require ["variables", "include"]; global "box"; set "box" "Shared"; set "local" "Hidden";' };
    const out = run(`${head}global "box"; set "local" "Mine"; include "lib"; fileinto "\${box}-\${local}-\${global.box}";`, scripts);
    expect(out.actions).toEqual([{ type: 'fileinto', mailbox: 'Shared-Mine-Shared', flags: null, create: false }]);
  });

  it(`nesting deeper than the limit is a runtime error`, () => {
    const scripts: Record<string, string> = {};
    for (let i = 0; i < 20; i += 1) scripts[`s${i}`] = `require "include"; include "s${i + 1}";`;
    scripts.s20 = 'discard;';
    const out = run(`${head}include "s0";`, scripts);
    expect(out.actions).toEqual([{ type: 'keep', flags: null }]);
    expect(out.error).toMatch(/nested deeper than 10/);
  });

  it.each([
    ['include "x";', /line 1: "include" needs require "include"/],
    ['require "include"; return;', null],
    ['require "include"; global "x";', /"global" needs require "variables"/],
    ['require ["include", "variables"]; include "${x}";', /must be a constant/],
    ['require "include"; include :personal :global "x";', /:personal and :global cannot be used together/],
    ['require "include"; include "a/b";', /not a valid script name/],
    ['require "include"; include :optional :once :global "x";', null],
    ['require ["include", "variables"]; global "1bad";', /invalid variable name/],
  ])('compiles %s', (source, error) => {
    const r = compileSieve(source);
    if (error === null) expect(r.ok).toBe(true);
    else expect(r.ok ? '' : r.errors.join('\n')).toMatch(error);
  });
});
