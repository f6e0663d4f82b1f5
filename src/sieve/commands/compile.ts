/** What PUTSCRIPT and CHECKSCRIPT share: the script as UTF-8 text, checked by the Sieve compiler. */
import { compileSieve } from '../../sieve-script/index.js';
import { SieveError } from '../error-map.js';
import type { CommandContext } from './types.js';

/** Compile with the server's extensions; a script that does not compile is a NO with the first error. */
export function checkScript(ctx: CommandContext, content: Buffer): void {
  const text = content.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(content)) throw new SieveError(null, 'Script is not valid UTF-8');
  const result = compileSieve(text, { extensions: ctx.deps.settings.extensions });
  if (!result.ok) throw new SieveError(null, result.errors[0] ?? 'Script does not compile');
}
