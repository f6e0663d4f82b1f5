/**
 * RETR and TOP (RFC 1939 section 7): the stored message streamed from its file, dot-stuffed, a
 * window at a time with backpressure, so a message of any size costs one buffer of memory.
 */
import { TRANSACTION } from '../session/state.js';
import { DotStuffer, TopCutter } from '../wire/dot-stuff.js';
import { messageAndLines, requiredMessageNumber } from './arguments.js';
import { defineCommand, type CommandContext } from './types.js';

/** Send message `msgno` (whole, or TOP's cut of `lines` body lines). */
async function sendMessage(ctx: CommandContext, msgno: number, lines: number | null): Promise<void> {
  const maildrop = ctx.maildrop();
  const index = maildrop.index(msgno);
  const stream = await maildrop.openMessage(index);
  const stuffer = new DotStuffer();
  const cutter = lines === null ? null : new TopCutter(lines);
  ctx.out.line('+OK Message follows');
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const part = cutter ? cutter.take(chunk) : chunk;
      for (const piece of stuffer.push(part)) ctx.out.bytes(piece);
      await ctx.out.maybeFlush();
      if (cutter?.done || ctx.out.broken) break;
    }
  } catch (err) {
    // The +OK is out: no -ERR can follow it. The client sees the connection drop, not a short message.
    ctx.log.error({ err, mailbox: maildrop.mailboxName, msgno }, 'reading a message failed while sending it');
    ctx.dropConnection('message read failed');
    return;
  } finally {
    stream.destroy();
  }
  ctx.out.bytes(stuffer.end());
  if (lines === null) maildrop.markRetrieved(index);
}

export const retrCommand = defineCommand({
  name: 'RETR',
  states: TRANSACTION,
  parse: requiredMessageNumber,
  handle: (ctx, msgno) => sendMessage(ctx, msgno, null),
});

export const topCommand = defineCommand({
  name: 'TOP',
  states: TRANSACTION,
  parse: messageAndLines,
  handle: (ctx, { msgno, lines }) => sendMessage(ctx, msgno, lines),
});
