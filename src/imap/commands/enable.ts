import { AUTHENTICATED } from '../session/state.js';
import { always, defineCommand } from './types.js';

/** ENABLE (RFC 5161): no extension that needs enabling is offered yet, so none is enabled. */
export const enableCommand = defineCommand({
  name: 'ENABLE',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx) {
    ctx.out.line('* ENABLED');
  },
});
