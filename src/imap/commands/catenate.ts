/**
 * CATENATE (RFC 4469): the message of an APPEND built from TEXT literals and URLs of messages or
 * parts on this server, copied byte for byte (no \Seen set on the sources). The result then
 * takes the one intake path like any APPEND message (src/intake: byte rules, size, quota).
 *
 * URLs: relative ones ("/INBOX;UIDVALIDITY=5/;UID=3/;SECTION=1", or ";UID=3" and "Sent/;UID=3"
 * relative to the selected mailbox) are read with the session's rights ('r', as FETCH needs);
 * absolute ones must name this server and either carry a valid URLAUTH (then the URL's owner's
 * rights apply, as in URLFETCH) or name the logged-in user. A URL that cannot be used answers
 * `NO [BADURL url]` (the URL bare, RFC 4469 erratum 4046); a result over maxmessagesize `NO [TOOBIG]`.
 */
import type { Identity } from '../../auth/index.js';
import type { MailboxEntry } from '../../store/index.js';
import { tryDecodeModifiedUtf7 } from '../wire/mutf7.js';
import type { CatenatePart } from '../wire/parse/types.js';
import { parseImapUrl, urlBasePath, UrlError, type ImapUrl } from '../wire/parse/url.js';
import { CommandFailure, type CommandContext } from './types.js';
import { redeem, requireOwnServer, urlBody, urlMailbox, withUrlMessage } from './urlauth/index.js';

export interface CatenatedMessage {
  bytes: Buffer;
  /** A TEXT part came as literal8 (RFC 3516): the intake re-encodes binary parts. */
  binary: boolean;
}

/** The base relative URLs resolve against: the selected mailbox as the client names it, or none. */
function basePath(ctx: CommandContext): string {
  if (ctx.state.kind !== 'selected') return urlBasePath(null);
  const external = ctx.toExternal(ctx.selected().name);
  return urlBasePath(external === null ? null : (tryDecodeModifiedUtf7(external) ?? external));
}

/** The mailbox a CATENATE URL reads from, with the rights checked. */
function sourceMailbox(ctx: CommandContext, url: ImapUrl, identity: Identity): MailboxEntry {
  if (url.absolute) {
    if (url.urlauth?.token) return redeem(ctx.deps, url, identity).entry;
    if (requireOwnServer(ctx.deps, url) !== identity.userid) throw new UrlError('URL names another user');
  }
  const entry = urlMailbox(ctx.deps, url, identity);
  const rights = ctx.deps.rights.rightsOn(identity, entry);
  if (!rights.has('r')) throw new UrlError(rights.has('l') ? 'Permission denied' : 'Mailbox does not exist');
  return entry;
}

async function urlPart(ctx: CommandContext, text: string, base: string): Promise<Buffer> {
  const url = parseImapUrl(text, base);
  const entry = sourceMailbox(ctx, url, ctx.identity());
  return withUrlMessage(ctx.deps.store, entry.name, url, urlBody);
}

/** url-resp-text: any TEXT-CHAR but "]" (a URL sent as a literal may hold anything: percent-encode the rest). */
function badUrlText(url: string): string {
  // eslint-disable-next-line no-control-regex
  return url.replace(/[\x00-\x1f\x7f\]]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Build one CATENATE message; CommandFailure NO [BADURL] / NO [TOOBIG] when it cannot be. */
export async function catenateMessage(ctx: CommandContext, parts: readonly CatenatePart[]): Promise<CatenatedMessage> {
  const base = basePath(ctx);
  const limit = ctx.deps.limits.maxMessageSize;
  const chunks: Buffer[] = [];
  let size = 0;
  let binary = false;
  for (const part of parts) {
    let bytes: Buffer;
    if (part.kind === 'text') {
      bytes = part.bytes;
      binary ||= part.binary;
    } else {
      try {
        bytes = await urlPart(ctx, part.url, base);
      } catch (err) {
        if (!(err instanceof UrlError)) throw err;
        throw new CommandFailure('NO', `BADURL ${badUrlText(part.url)}`, err.message);
      }
    }
    size += bytes.length;
    if (size > limit) throw new CommandFailure('NO', 'TOOBIG', 'Message too big');
    chunks.push(bytes);
  }
  return { bytes: Buffer.concat(chunks, size), binary };
}
