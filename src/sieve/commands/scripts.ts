/**
 * The commands that read and arrange stored scripts: LISTSCRIPTS (RFC 5804 2.7), SETACTIVE (2.8;
 * "" deactivates), GETSCRIPT (2.9), DELETESCRIPT (2.10; not the active one) and RENAMESCRIPT
 * (2.11; the active mark follows). The store's errors become NONEXISTENT, ACTIVE, ALREADYEXISTS.
 */
import { SieveError } from '../error-map.js';
import { AUTHENTICATED } from '../session/state.js';
import { serializeString } from '../wire/response.js';
import { noArguments, scriptName, strings } from './arguments.js';
import { defineCommand } from './types.js';

const oneName = (tokens: Parameters<typeof strings>[0]) => scriptName(strings(tokens, 1)[0]!);

export const listscriptsCommand = defineCommand({
  name: 'LISTSCRIPTS',
  states: AUTHENTICATED,
  parse: noArguments,
  handle(ctx) {
    for (const { name, active } of ctx.deps.scripts.list(ctx.owner())) {
      ctx.out.bytes(serializeString(name));
      ctx.out.line(active ? ' ACTIVE' : '');
    }
    ctx.out.response('OK');
  },
});

export const setactiveCommand = defineCommand({
  name: 'SETACTIVE',
  states: AUTHENTICATED,
  parse(tokens): string | null {
    const [name] = strings(tokens, 1);
    return name!.length === 0 ? null : scriptName(name!);
  },
  handle(ctx, name) {
    const owner = ctx.owner();
    ctx.deps.scripts.setActive(owner, name);
    ctx.log.info({ user: owner, script: name }, name === null ? 'scripts deactivated' : 'script activated');
    ctx.out.response('OK');
  },
});

export const getscriptCommand = defineCommand({
  name: 'GETSCRIPT',
  states: AUTHENTICATED,
  parse: oneName,
  handle(ctx, name) {
    const content = ctx.deps.scripts.get(ctx.owner(), name);
    if (content === null) throw new SieveError('NONEXISTENT', 'Script does not exist');
    // Always a literal: a script is multi-line text (RFC 5804's example answers with one).
    ctx.out.bytes(Buffer.from(`{${content.length}}\r\n`, 'latin1'));
    ctx.out.bytes(content);
    ctx.out.line('');
    ctx.out.response('OK');
  },
});

export const deletescriptCommand = defineCommand({
  name: 'DELETESCRIPT',
  states: AUTHENTICATED,
  parse: oneName,
  handle(ctx, name) {
    const owner = ctx.owner();
    ctx.deps.scripts.delete(owner, name);
    ctx.log.info({ user: owner, script: name }, 'script deleted');
    ctx.out.response('OK');
  },
});

export const renamescriptCommand = defineCommand({
  name: 'RENAMESCRIPT',
  states: AUTHENTICATED,
  parse(tokens): { from: string; to: string } {
    const [from, to] = strings(tokens, 2);
    return { from: scriptName(from!), to: scriptName(to!) };
  },
  handle(ctx, { from, to }) {
    const owner = ctx.owner();
    ctx.deps.scripts.rename(owner, from, to);
    ctx.log.info({ user: owner, script: from, to }, 'script renamed');
    ctx.out.response('OK');
  },
});
