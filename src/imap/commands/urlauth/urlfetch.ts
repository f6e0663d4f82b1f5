/**
 * URLFETCH (RFC 4467 section 7) with the extended form of URLAUTH=BINARY (RFC 5524): one
 * `* URLFETCH url data` response per URL, NIL for any URL that cannot be redeemed (bad syntax,
 * another server, expired, wrong access identifier, reset key, no such message or part). The
 * extended form answers each requested item in its own parentheses: (BODYPARTSTRUCTURE ...),
 * (BODY data) or (BINARY data), BINARY as literal8 when the decoded data holds NUL.
 * Needs no selected mailbox and leaves the selected one alone.
 */
import { MailError } from '../../../common/index.js';
import type { UrlFetchRequest } from '../../wire/parse/types.js';
import { parseImapUrl, UrlError } from '../../wire/parse/url.js';
import { imapString } from '../../wire/serialize/strings.js';
import { AUTHENTICATED } from '../../session/state.js';
import { defineCommand, type CommandContext } from '../types.js';
import { redeem } from './authorize.js';
import { urlBinary, urlBody, urlBodyPartStructure, withUrlMessage, type UrlMessage } from './locate.js';

type Piece = string | Buffer;

function literal(bytes: Buffer, binary = false): Piece[] {
  return [`${binary && bytes.includes(0) ? '~' : ''}{${bytes.length}}\r\n`, bytes];
}

async function extendedItems(request: UrlFetchRequest, message: UrlMessage): Promise<Piece[]> {
  const out: Piece[] = [];
  // Decoded once: BODYPARTSTRUCTURE then describes the part as BINARY sends it (RFC 5524 section 4).
  const decoded = request.binary && message.url.partial === null ? await urlBinary(message) : null;
  if (request.bodyPartStructure) out.push(` (BODYPARTSTRUCTURE ${urlBodyPartStructure(message, decoded) ?? 'NIL'})`);
  if (request.body) out.push(' (BODY ', ...literal(await urlBody(message)), ')');
  if (request.binary) {
    const data = message.url.partial === null ? decoded : await urlBinary(message);
    out.push(' (BINARY ', ...(data === null ? ['NIL'] : literal(data, true)), ')');
  }
  return out;
}

/** The response data after the URL, or null for NIL. */
async function fetchOne(ctx: CommandContext, request: UrlFetchRequest): Promise<Piece[] | null> {
  try {
    const url = parseImapUrl(request.url);
    const { entry } = redeem(ctx.deps, url, ctx.identity());
    return await withUrlMessage(ctx.deps.store, entry.name, url, async (message) =>
      request.extended ? extendedItems(request, message) : [' ', ...literal(await urlBody(message))],
    );
  } catch (err) {
    if (err instanceof UrlError || err instanceof MailError) {
      ctx.deps.logger.debug({ session: ctx.sessionId, url: request.url, reason: err.message }, 'URLFETCH gives NIL');
      return null;
    }
    throw err;
  }
}

export const urlFetchCommand = defineCommand({
  name: 'URLFETCH',
  states: AUTHENTICATED,
  async handle(ctx, command) {
    for (const request of command.urls) {
      const data = await fetchOne(ctx, request);
      ctx.out.raw(`* URLFETCH ${imapString(request.url)}`);
      for (const piece of data ?? [' NIL']) ctx.out.raw(piece);
      ctx.out.raw('\r\n');
      await ctx.out.maybeFlush();
    }
    return { status: 'OK', text: 'URLFETCH completed' };
  },
});
