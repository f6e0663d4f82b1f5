/** The commands without arguments that matter: RSET, NOOP, VRFY, HELP, QUIT. */
import { REPLIES } from '../wire/replies.js';
import { defineCommand } from './types.js';

/** RSET: drop the transaction (RFC 5321 section 4.1.1.5); LHLO stays done. */
export const rsetCommand = defineCommand({
  verb: 'RSET',
  handle(ctx) {
    if (ctx.state.kind === 'transaction') {
      ctx.state.envelope.proxy?.close();
      ctx.setState({ kind: 'ready' });
    }
    ctx.reply(REPLIES.reset);
  },
});

export const noopCommand = defineCommand({
  verb: 'NOOP',
  handle(ctx) {
    ctx.reply(REPLIES.noop);
  },
});

/** VRFY: 252, as RFC 5321 section 3.5.3 allows; it tells nobody which users exist. */
export const vrfyCommand = defineCommand({
  verb: 'VRFY',
  handle(ctx) {
    ctx.reply(REPLIES.vrfy);
  },
});

export const helpCommand = defineCommand({
  verb: 'HELP',
  handle(ctx) {
    ctx.reply(REPLIES.help);
  },
});

export const quitCommand = defineCommand({
  verb: 'QUIT',
  handle(ctx) {
    ctx.reply(REPLIES.bye);
    ctx.close();
  },
});
