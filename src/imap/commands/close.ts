import { SELECTED } from '../session/state.js';
import { always, defineCommand } from './types.js';

/** CLOSE: silently expunge \Deleted messages (when read-write) and deselect. */
export const closeCommand = defineCommand({
  name: 'CLOSE',
  states: SELECTED,
  allowsExpunge: always,
  async handle(ctx) {
    const selected = ctx.selected();
    if (!selected.readOnly && !selected.gone) selected.mailbox.expunge();
    ctx.select(null);
  },
});

/** UNSELECT (RFC 3691): deselect without expunging. */
export const unselectCommand = defineCommand({
  name: 'UNSELECT',
  states: SELECTED,
  allowsExpunge: always,
  async handle(ctx) {
    ctx.select(null);
  },
});
