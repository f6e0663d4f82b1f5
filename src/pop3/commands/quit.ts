/**
 * QUIT (RFC 1939 sections 6 and 7): in AUTHORIZATION it just ends the session; in TRANSACTION it
 * enters UPDATE, where the marked messages leave the maildrop (and, under popuseimapflags, the
 * retrieved ones get \Seen). The connection closes after the answer either way.
 */
import { Pop3Error, pop3Failure } from '../error-map.js';
import { ANY_STATE } from '../session/state.js';
import { noArgument } from './arguments.js';
import { defineCommand } from './types.js';

export const quitCommand = defineCommand({
  name: 'QUIT',
  states: ANY_STATE,
  parse: noArgument,
  handle(ctx) {
    ctx.closeAfterReply();
    if (ctx.state.kind !== 'transaction') {
      ctx.out.line('+OK');
      return;
    }
    const maildrop = ctx.maildrop();
    ctx.enterUpdate();
    let removed: number;
    try {
      removed = maildrop.update();
    } catch (err) {
      const failure = pop3Failure(err, 'command');
      if (failure.internal) ctx.log.error({ err }, 'UPDATE failed');
      else ctx.log.warn({ err, mailbox: maildrop.mailboxName }, 'UPDATE failed');
      throw new Pop3Error(failure.code, 'Some deleted messages were not removed');
    }
    ctx.log.info({ mailbox: maildrop.mailboxName, removed }, 'update');
    ctx.out.line('+OK');
  },
});
