import { ANY_STATE } from '../session/state.js';
import { imapString } from '../wire/serialize/strings.js';
import { always, defineCommand } from './types.js';

/** ID (RFC 2971): log what the client says about itself and answer with our name. */
export const idCommand = defineCommand({
  name: 'ID',
  states: ANY_STATE,
  allowsExpunge: always,
  async handle(ctx, command) {
    if (command.parameters) {
      const client = Object.fromEntries(command.parameters.slice(0, 30).map(([k, v]) => [k.slice(0, 30).toLowerCase(), v?.slice(0, 1024) ?? null]));
      ctx.deps.logger.info({ sid: ctx.sessionId, client }, 'client id');
    }
    const info = ctx.deps.config.enum('serverinfo');
    if (info === 'off') {
      ctx.out.line('* ID NIL');
      return;
    }
    const fields: Array<[string, string]> = [['name', 'cyrusts'], ['vendor', 'cyrusts']];
    if (info === 'on') fields.push(['version', '0.1.0']);
    ctx.out.line(`* ID (${fields.map(([k, v]) => `${imapString(k)} ${imapString(v)}`).join(' ')})`);
  },
});
