import { packageVersion } from '../../common/index.js';
import { ANY_STATE } from '../session/state.js';
import { idResponse } from '../wire/serialize/lists.js';
import { always, defineCommand } from './types.js';

/** ID (RFC 2971): log what the client says about itself and answer with our name (and version when serverinfo is on). */
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
    if (info === 'off') return void ctx.out.send(idResponse(null));
    const fields: Array<[string, string]> = [['name', 'cyrusts'], ['vendor', 'cyrusts']];
    if (info === 'on') fields.push(['version', packageVersion()]);
    ctx.out.send(idResponse(fields));
  },
});
