/**
 * DATA (RFC 2033 section 4.2: after the message, one reply per accepted recipient) and BDAT
 * (RFC 3030 CHUNKING: every chunk is read whatever the answer; the LAST one ends the message).
 */
import { deliverMessage } from '../delivery.js';
import { ChunkCollector } from '../wire/data.js';
import { REPLIES } from '../wire/replies.js';
import { defineCommand } from './types.js';

export const dataCommand = defineCommand({
  verb: 'DATA',
  handle(ctx) {
    if (ctx.state.kind === 'greeted') return ctx.reply(REPLIES.needLhlo);
    if (ctx.state.kind !== 'transaction') return ctx.reply(REPLIES.needMail);
    const { envelope } = ctx.state;
    if (envelope.chunks !== null) return ctx.reply(REPLIES.mixedDataBdat);
    if (envelope.recipients.length === 0) return ctx.reply(REPLIES.needRcpt);
    ctx.reply(REPLIES.startData);
    ctx.expectData((data) => deliverMessage(ctx, envelope, data));
  },
});

export const bdatCommand = defineCommand({
  verb: 'BDAT',
  handle(ctx, command) {
    const refuse = (reply: (typeof REPLIES)[keyof typeof REPLIES]) => ctx.expectChunk(command.size, false, () => ctx.reply(reply));
    if (ctx.state.kind === 'greeted') return refuse(REPLIES.needLhlo);
    if (ctx.state.kind !== 'transaction') return refuse(REPLIES.needMail);
    const { envelope } = ctx.state;
    if (envelope.recipients.length === 0) return refuse(REPLIES.needRcpt);
    const chunks = (envelope.chunks ??= new ChunkCollector(ctx.deps.limits.maxMessageSize));
    const keep = !chunks.wouldOverflow(command.size);
    ctx.expectChunk(command.size, keep, async (bytes) => {
      if (bytes !== null) chunks.add(bytes);
      else chunks.addDropped(command.size);
      if (!command.last) return ctx.reply(REPLIES.chunkOk);
      await deliverMessage(ctx, envelope, chunks.result());
    });
  },
});
