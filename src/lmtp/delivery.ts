/**
 * The end of DATA or of the last BDAT chunk: add the trace fields (Return-Path from MAIL FROM, a
 * Received line, as Cyrus lmtpd adds them), pass the message through the intake's byte rules, hand
 * it to the intake for every accepted recipient at once (Sieve, duplicate suppression, quota,
 * single-instance store all happen there), and answer one reply per recipient, in RCPT order
 * (RFC 2033 section 4.2). The intake fsyncs each copy before it returns, so no 250 goes out
 * before the message is on disk.
 */
import { MailError } from '../common/index.js';
import type { DeliveryRecipient } from '../intake/index.js';
import { formatPath } from './commands/addresses.js';
import type { CommandContext } from './commands/types.js';
import { lmtpReplyFor } from './error-map.js';
import type { Envelope } from './session/state.js';
import type { DataResult } from './wire/data.js';
import { REPLIES, type Reply } from './wire/replies.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An RFC 5322 date-time in local time: "Wed, 02 Dec 2026 06:02:19 +0100". */
export function rfc5322Date(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${DAYS[date.getDay()]}, ${two(date.getDate())} ${MONTHS[date.getMonth()]} ${date.getFullYear()} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}

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
  ctx.setState({ kind: 'ready' });
  const { recipients } = envelope;
  const answerAll = (reply: Reply) => {
    for (let i = 0; i < recipients.length; i++) ctx.reply(reply);
  };
  if (recipients.length === 0) return ctx.reply(REPLIES.needRcpt);
  if (data.tooBig) {
    ctx.log.info({ size: data.size, max: ctx.deps.limits.maxMessageSize }, 'message too big');
    return answerAll(REPLIES.tooBig);
  }
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
  const targets: DeliveryRecipient[] = recipients.map((r) => ({
    mailbox: r.resolved.mailbox.name,
    userid: r.resolved.userid,
    quota: r.params.ignoreQuota ? 'ignore' : strict,
  }));
  let outcomes;
  try {
    outcomes = await intake.deliver(prepared, targets);
  } catch (err) {
    return answerAll(refusal(ctx, err));
  }
  for (const outcome of outcomes) {
    const rcpt = outcome.recipient.mailbox;
    switch (outcome.status) {
      case 'delivered':
        ctx.log.info({ mailbox: outcome.mailbox, uid: outcome.uid, messageId: prepared.messageId, size: prepared.content.length }, 'delivered');
        ctx.reply(REPLIES.delivered);
        break;
      case 'duplicate':
        ctx.log.info({ mailbox: rcpt, messageId: prepared.messageId }, 'duplicate suppressed');
        ctx.reply(REPLIES.duplicate);
        break;
      case 'discarded':
        ctx.reply(REPLIES.discarded);
        break;
      case 'failed':
        ctx.reply(refusal(ctx, outcome.error));
        break;
    }
  }
}
