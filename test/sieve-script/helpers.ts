// Shared by the language tests of the later extensions: a message, an environment, compile and run.
import { compileSieve, runSieve, type CompiledScript, type SieveEnvironment, type SieveMessage, type SieveOutcome } from '../../src/sieve-script/index.js';

export function message(lines: readonly string[], body = 'Body.\r\n'): SieveMessage {
  const header = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
  const content = Buffer.concat([header, Buffer.from(body)]);
  return { header, content, size: content.length };
}

export function environment(overrides: Partial<SieveEnvironment> = {}): SieveEnvironment {
  return { envelopeFrom: 'a@example.org', envelopeTo: 'me@example.com', userAddresses: ['me@example.com'], mailboxExists: () => true, ...overrides };
}

export function compiled(source: string, extensions?: readonly string[]): CompiledScript {
  const r = compileSieve(source, extensions === undefined ? {} : { extensions });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.script;
}

/** The first compile error, or null when the script compiles. */
export function compileError(source: string, extensions?: readonly string[]): string | null {
  const r = compileSieve(source, extensions === undefined ? {} : { extensions });
  return r.ok ? null : r.errors[0]!;
}

/** Run and name each action: a fileinto by its mailbox, the others by their type. */
export function outcome(source: string, msg: SieveMessage, env: SieveEnvironment = environment(), extensions?: readonly string[]): SieveOutcome & { names: string[] } {
  const out = runSieve(compiled(source, extensions), msg, env);
  return { ...out, names: out.actions.map((a) => (a.type === 'fileinto' ? a.mailbox : a.type)) };
}
