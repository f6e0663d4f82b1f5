/**
 * APPEND (RFC 3501 6.3.11) with MULTIAPPEND (RFC 3502: every message or none, one store call),
 * APPENDUID (RFC 4315), BINARY literal8 (RFC 3516) and APPENDLIMIT (RFC 7889). Needs 'i'; flags
 * the user has no right to set are dropped (RFC 4314 section 4: \Seen needs 's', \Deleted 't',
 * others 'w'). A missing or invisible target answers TRYCREATE. When the target is the selected
 * mailbox, the session's sync after the command sends the EXISTS.
 *
 * Message bytes, before the store sees them (all checked first, so a refusal changes nothing):
 * - NUL is refused in an ordinary literal (RFC 3501 section 4.3; Cyrus: "Message contains NUL
 *   characters"). In literal8 (RFC 3516) binary parts and parts holding NUL are re-encoded as base64
 *   (encodeBinaryParts, as Cyrus does); a NUL left after that (in a header, or in a base64 or
 *   quoted-printable part) is refused the same way.
 * - munge8bit (default yes): top-level header bytes that are neither ASCII nor UTF-8 become 'X'.
 */
import { requireRights, rightForFlag, rightsOn } from '../../../acl/rights.js';
import type { AppendItem } from '../../../mailbox/index.js';
import { encodeBinaryParts, mungeLegacy8bitHeader, normalizeLineEnds } from '../../../message/index.js';
import { AUTHENTICATED } from '../../session/state.js';
import type { AppendMessage } from '../../wire/parse/types.js';
import { formatSequenceSet } from '../../wire/sequence.js';
import { always, CommandFailure, defineCommand } from '../types.js';
import { hideNotFound } from './names.js';

/** The flags of one message the holder of `rights` may set; BAD for \Recent (not a `flag`). */
export function permittedFlags(flags: readonly string[], rights: string): string[] {
  const out: string[] = [];
  for (const flag of flags) {
    const lower = flag.toLowerCase();
    if (lower === '\\recent') throw new CommandFailure('BAD', null, '\\Recent cannot be set by APPEND');
    if (rights.includes(rightForFlag(flag))) out.push(flag);
  }
  return out;
}

/** The bytes to store for one APPEND message (see the file comment). */
function storedContent(message: Pick<AppendMessage, 'message' | 'binary'>, munge8bit: boolean): Buffer {
  let content = message.message;
  if (message.binary) content = encodeBinaryParts(content);
  if (content.indexOf(0) !== -1) throw new CommandFailure('NO', null, 'Message contains NUL characters');
  if (munge8bit) content = mungeLegacy8bitHeader(normalizeLineEnds(content));
  return content;
}

function toItems(messages: readonly AppendMessage[], rights: string, maxMessageSize: number, munge8bit: boolean): AppendItem[] {
  return messages.map((message) => {
    if (message.message.length > maxMessageSize) throw new CommandFailure('NO', 'TOOBIG', 'Message too big');
    if (message.message.length === 0) throw new CommandFailure('NO', null, 'Message contains no data');
    const item: AppendItem = { content: storedContent(message, munge8bit), flags: permittedFlags(message.flags, rights) };
    if (message.internalDate) item.internalDate = message.internalDate;
    return item;
  });
}

export const appendCommand = defineCommand({
  name: 'APPEND',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const identity = ctx.identity();
    const internal = ctx.toInternal(command.mailbox);
    const tryCreate = new CommandFailure('NO', 'TRYCREATE', 'Mailbox does not exist');
    const entry = ctx.deps.store.lookup(internal);
    if (!entry) throw tryCreate;
    hideNotFound(() => requireRights(identity, entry, 'i'), tryCreate);
    const items = toItems(command.messages, rightsOn(identity, entry), ctx.deps.limits.maxMessageSize, ctx.deps.config.bool('munge8bit'));
    const mailbox = ctx.deps.store.openMailbox(entry.name);
    let result;
    try {
      result = await mailbox.append(items, { userid: identity.userid });
    } finally {
      mailbox.close();
    }
    return { status: 'OK', code: `APPENDUID ${result.uidValidity} ${formatSequenceSet(result.uids)}`, text: 'Completed' };
  },
});
