import { capabilityLines } from '../capabilities.js';
import { ANY_STATE } from '../session/state.js';
import { noArgument } from './arguments.js';
import { defineCommand } from './types.js';

export const capaCommand = defineCommand({
  name: 'CAPA',
  states: ANY_STATE,
  parse: noArgument,
  handle(ctx) {
    ctx.out.line('+OK List of capabilities follows');
    const view = { authenticated: ctx.state.kind === 'transaction', tls: ctx.tls, connection: ctx.connection };
    for (const line of capabilityLines(ctx.deps, view)) ctx.out.line(line);
    ctx.out.line('.');
  },
});
