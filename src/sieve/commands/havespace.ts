/** HAVESPACE (RFC 5804 2.5): whether a script of that name and size could be stored. */
import { SieveError } from '../error-map.js';
import { AUTHENTICATED } from '../session/state.js';
import { scriptName } from './arguments.js';
import { defineCommand } from './types.js';

export const havespaceCommand = defineCommand({
  name: 'HAVESPACE',
  states: AUTHENTICATED,
  parse(tokens): { name: string; size: number } {
    if (tokens.length !== 2) throw new SieveError(null, tokens.length < 2 ? 'Missing argument' : 'Too many arguments');
    const [name, size] = tokens;
    if (name!.kind !== 'string') throw new SieveError(null, 'Expected a string');
    if (size!.kind !== 'number' || size.value > 0xffffffff) throw new SieveError(null, 'Expected a number');
    return { name: scriptName(name!.value), size: size.value };
  },
  handle(ctx, { name, size }) {
    const space = ctx.deps.scripts.haveSpace(ctx.owner(), name, size);
    if (!space.ok) {
      if (space.reason === 'maxsize') throw new SieveError('QUOTA/MAXSIZE', 'Script is too big');
      throw new SieveError('QUOTA/MAXSCRIPTS', 'Too many scripts');
    }
    ctx.out.response('OK');
  },
});
