import { ANY_STATE, AUTHENTICATED } from '../session/state.js';
import { always, defineCommand } from './types.js';

/** NOOP: nothing, but the session sends pending mailbox updates after it. */
export const noopCommand = defineCommand({
  name: 'NOOP',
  states: ANY_STATE,
  allowsExpunge: always,
  handle() {},
});

/** CHECK: every change is durable when it is acknowledged, so there is nothing to checkpoint. */
export const checkCommand = defineCommand({
  name: 'CHECK',
  states: AUTHENTICATED.filter((s) => s === 'selected'),
  allowsExpunge: always,
  handle() {},
});
