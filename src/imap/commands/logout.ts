import { ANY_STATE } from '../session/state.js';
import { always, defineCommand } from './types.js';

export const logoutCommand = defineCommand({
  name: 'LOGOUT',
  states: ANY_STATE,
  allowsExpunge: always,
  async handle(ctx) {
    ctx.out.line('* BYE LOGOUT received');
    ctx.logout();
  },
});
