/**
 * One socketmap lookup: the key is a recipient address (user, user+detail, user@domain,
 * +shared.folder), asked of the recipient decision as LMTP's RCPT asks it, for the anonymous
 * poster (whose p right counts on +detail folders and shared mailboxes, as for an LMTP client
 * without AUTH) and a message of unknown size; nothing is created (intent 'lookup').
 */
import { ANONYMOUS_USERID, makeIdentity } from '../auth/index.js';
import type { Logger } from '../common/index.js';
import type { RecipientAddress } from '../recipients/index.js';
import type { SmmapDeps } from './deps.js';
import { smmapReplyFor } from './error-map.js';
import type { MapReply, MapRequest } from './wire/request.js';

const ANONYMOUS = makeIdentity({ localPart: ANONYMOUS_USERID, domain: null, isAnonymous: true });

/** The key as an address: split at the last "@" (none, or nothing after it: no domain). */
export function addressOfKey(key: string): RecipientAddress {
  const at = key.lastIndexOf('@');
  if (at < 0) return { localPart: key, domain: null };
  const domain = key.slice(at + 1);
  return { localPart: key.slice(0, at), domain: domain === '' ? null : domain };
}

/** The reply to one request, and a debug line saying what was decided (never more than the envelope). */
export async function lookup(deps: SmmapDeps, request: MapRequest, log: Logger): Promise<MapReply> {
  const started = process.hrtime.bigint();
  const done = (reply: MapReply, fields: Record<string, unknown>): MapReply => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log.debug({ map: request.mapName, key: request.key, answer: reply.status, ...fields, ms: Math.round(ms * 100) / 100 }, 'lookup');
    return reply;
  };
  try {
    const verdict = await deps.recipients.decide(addressOfKey(request.key), ANONYMOUS, { intent: 'lookup' });
    const where =
      verdict.kind === 'remote' ? { server: verdict.server }
      : verdict.kind === 'local' ? { mailbox: verdict.recipient.mailbox.name }
      : { newInbox: verdict.userid };
    return done({ status: 'OK', value: request.key }, where);
  } catch (err) {
    const mapped = smmapReplyFor(err, deps.policy);
    if (mapped.internal) log.error({ err, key: request.key }, 'lookup failed');
    return done(mapped.reply, { reason: (err as Error).message });
  }
}
