import { NOT_AUTHENTICATED } from '../session/state.js';
import { authFailure, loginSucceeded } from './login-common.js';
import { always, defineCommand } from './types.js';

export const loginCommand = defineCommand({
  name: 'LOGIN',
  states: NOT_AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    let identity;
    try {
      identity = await ctx.deps.auth.login(command.userid, command.password, ctx.connection);
    } catch (err) {
      return authFailure(ctx, err);
    }
    return loginSucceeded(ctx, identity, { plaintext: true });
  },
});
