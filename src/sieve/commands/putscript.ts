/**
 * PUTSCRIPT (RFC 5804 2.6): a script that fits the quota and compiles is stored under its name
 * (replacing one of the same name, the active one too); CHECKSCRIPT (2.12) only compiles.
 */
import { AUTHENTICATED } from '../session/state.js';
import { SieveError } from '../error-map.js';
import { scriptName, strings } from './arguments.js';
import { checkScript } from './compile.js';
import { defineCommand } from './types.js';

export const putscriptCommand = defineCommand({
  name: 'PUTSCRIPT',
  states: AUTHENTICATED,
  parse(tokens): { name: string; content: Buffer } {
    const [name, content] = strings(tokens, 2);
    return { name: scriptName(name!), content: content! };
  },
  handle(ctx, { name, content }) {
    const owner = ctx.owner();
    const space = ctx.deps.scripts.haveSpace(owner, name, content.length);
    if (!space.ok) {
      if (space.reason === 'maxsize') throw new SieveError('QUOTA/MAXSIZE', 'Script is too big');
      throw new SieveError('QUOTA/MAXSCRIPTS', 'Too many scripts');
    }
    checkScript(ctx, content);
    ctx.deps.scripts.put(owner, name, content);
    ctx.log.info({ user: owner, script: name, size: content.length }, 'script stored');
    ctx.out.response('OK');
  },
});

export const checkscriptCommand = defineCommand({
  name: 'CHECKSCRIPT',
  states: AUTHENTICATED,
  parse(tokens): Buffer {
    return strings(tokens, 1)[0]!;
  },
  handle(ctx, content) {
    if (content.length > ctx.deps.settings.maxScriptSize) throw new SieveError('QUOTA/MAXSIZE', 'Script is too big');
    checkScript(ctx, content);
    ctx.out.response('OK');
  },
});
