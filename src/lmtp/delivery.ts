/**
 * The end of DATA or of the last BDAT chunk: add the trace fields (Return-Path from MAIL FROM, a
 * Received line, as Cyrus lmtpd adds them), pass the message through the intake's byte rules, hand
 * it to the intake for every accepted recipient at once (Sieve, duplicate suppression, quota,
 * single-instance store all happen there), and answer one reply per recipient, in RCPT order
 * (RFC 2033 section 4.2). The intake fsyncs each copy before it returns, so no 250 goes out
 * before the message is on disk. On a Murder frontend the recipients on backends get the message
 * there at the same time (src/lmtp/proxy), and their replies take their places in RCPT order.
 */
import { MailError } from '../common/index.js';
import { rfc5322Date } from '../message/index.js';
import type { DeliveryRecipient } from '../intake/index.js';
import { formatPath } from './commands/addresses.js';
import type { CommandContext } from './commands/types.js';
import { lmtpReplyFor } from './error-map.js';
import { BACKEND_FAILED } from './proxy/transaction.js';
import type { Envelope, LocalRecipient } from './session/state.js';
import type { DataResult } from './wire/data.js';
import { REPLIES, reply, type Reply } from './wire/replies.js';

/** "with" protocol of the Received line (RFC 3848): LMTP, plus S under TLS and A when authenticated. */
function protocolWord(ctx: CommandContext): string {
  return `LMTP${ctx.connection.tls ? 'S' : ''}${ctx.authenticated !== null ? 'A' : ''}`;
}

export function traceFields(ctx: CommandContext, envelope: Envelope, now: Date): Buffer {
  const from = ctx.lhloHost ?? 'unknown';
  const peer = ctx.connection.unixSocket ? 'localhost' : `[${ctx.connection.remoteAddress ?? 'unknown'}]`;
  const text =
    `Return-Path: ${formatPath(envelope.sender)}\r\n` +
    `Received: from ${from} (${peer})\r\n\tby ${ctx.deps.serverName} (cyrusts) with ${protocolWord(ctx)} id ${ctx.sessionId};\r\n\t${rfc5322Date(now)}\r\n`;
  return Buffer.from(text, envelope.params.smtputf8 ? 'utf8' : 'latin1');
}

/**
 * The LMTP client for Sieve's environment test: over the UNIX socket "localhost" without an address;
 * over TCP its address (IPv4-mapped IPv6 written as IPv4), which is also the host, as we look up no
 * names (the Received line says the same).
 */
function clientOf(ctx: CommandContext): { remoteHost?: string; remoteIp?: string } {
  if (ctx.connection.unixSocket) return { remoteHost: 'localhost' };
  const address = ctx.connection.remoteAddress?.replace(/^::ffff:(?=\d+\.)/i, '');
  return address === undefined ? {} : { remoteHost: address, remoteIp: address };
}

/** Whether the header block holds a byte above 127 (reject8bit). */
function hasEightBitHeader(bytes: Buffer): boolean {
  let end = bytes.indexOf('\r\n\r\n');
  if (end < 0) end = bytes.indexOf('\n\n');
  const header = end < 0 ? bytes : bytes.subarray(0, end);
  for (const byte of header) if (byte > 127) return true;
  return false;
}

function refusal(ctx: CommandContext, err: unknown): Reply {
  const mapped = lmtpReplyFor(err, ctx.deps.policy);
  if (mapped.internal) ctx.log.error({ err }, 'delivery failed');
  else ctx.log.info({ reason: (err as Error).message }, 'message refused');
  return mapped.reply;
}

export async function deliverMessage(ctx: CommandContext, envelope: Envelope, data: DataResult): Promise<void> {
  // The backends' side leaves the envelope before the session is back in 'ready'.
  const proxy = envelope.proxy;
  envelope.proxy = null;
  ctx.setState({ kind: 'ready' });
  try {
    const { recipients } = envelope;
    if (recipients.length === 0) return ctx.reply(REPLIES.needRcpt);
    if (data.tooBig) {
      ctx.log.info({ size: data.size, max: ctx.deps.limits.maxMessageSize }, 'message too big');
      for (let i = 0; i < recipients.length; i++) ctx.reply(REPLIES.tooBig);
      return;
    }
    const local = recipients.filter((r): r is LocalRecipient => r.kind === 'local');
    const [localReplies, remoteReplies] = await Promise.all([
      local.length > 0 ? deliverLocal(ctx, envelope, local, data) : Promise.resolve([]),
      proxy !== null ? proxy.data(data.bytes) : Promise.resolve(new Map<string, Reply[]>()),
    ]);
    // One reply per recipient in RCPT order (RFC 2033 section 4.2), wherever its mailbox is.
    let nextLocal = 0;
    const nextRemote = new Map<string, number>();
    for (const recipient of recipients) {
      if (recipient.kind === 'local') {
        ctx.reply(localReplies[nextLocal++]!);
        continue;
      }
      const index = nextRemote.get(recipient.server) ?? 0;
      nextRemote.set(recipient.server, index + 1);
      ctx.reply(remoteReplies.get(recipient.server)?.[index] ?? BACKEND_FAILED);
    }
  } finally {
    proxy?.close();
  }
}

/** Deliver to the recipients whose mailboxes are here: one reply each, in their order. */
async function deliverLocal(ctx: CommandContext, envelope: Envelope, recipients: LocalRecipient[], data: DataResult): Promise<Reply[]> {
  const answerAll = (reply: Reply): Reply[] => recipients.map(() => reply);
  const { intake } = ctx.deps;
  let prepared;
  try {
    if (ctx.deps.policy.reject8bit && !envelope.params.smtputf8 && hasEightBitHeader(data.bytes)) {
      throw new MailError('Invalid', 'message has 8-bit header bytes', { eightBitHeader: true });
    }
    if (data.bytes.length === 0) throw new MailError('Invalid', 'Message contains no data', { empty: true });
    prepared = intake.prepare({ bytes: Buffer.concat([traceFields(ctx, envelope, new Date()), data.bytes]) });
  } catch (err) {
    return answerAll(refusal(ctx, err));
  }
  const strict = ctx.deps.policy.strictQuota ? 'strict' : 'delivery';
  const from = envelope.sender === null ? '' : formatPath(envelope.sender).slice(1, -1);
  const client = clientOf(ctx);
  const targets: DeliveryRecipient[] = recipients.map((r) => ({
    mailbox: r.resolved.mailbox.name,
    userid: r.resolved.userid,
    quota: r.params.ignoreQuota ? 'ignore' : strict,
    envelope: { from, to: r.resolved.address, ...client },
  }));
  let outcomes;
  try {
    outcomes = await intake.deliver(prepared, targets);
  } catch (err) {
    return answerAll(refusal(ctx, err));
  }
  const replies: Reply[] = [];
  for (const outcome of outcomes) {
    const rcpt = outcome.recipient.mailbox;
    switch (outcome.status) {
      case 'delivered':
        ctx.log.info({ mailbox: outcome.mailbox, uid: outcome.uid, messageId: prepared.messageId, size: prepared.content.length }, 'delivered');
        replies.push(REPLIES.delivered);
        break;
      case 'duplicate':
        ctx.log.info({ mailbox: rcpt, messageId: prepared.messageId }, 'duplicate suppressed');
        replies.push(REPLIES.duplicate);
        break;
      case 'discarded':
        ctx.log.info({ mailbox: rcpt, messageId: prepared.messageId }, 'sieve discarded');
        replies.push(REPLIES.discarded);
        break;
      case 'rejected':
        ctx.log.info({ mailbox: rcpt, messageId: prepared.messageId }, 'sieve rejected');
        replies.push(reply(550, '5.7.1', outcome.reason));
        break;
      case 'failed':
        replies.push(refusal(ctx, outcome.error));
        break;
    }
  }
  return replies;
}
