/**
 * APPEND (RFC 3501 6.3.11) with MULTIAPPEND (RFC 3502: every message or none, one store call),
 * APPENDUID (RFC 4315), BINARY literal8 (RFC 3516) and APPENDLIMIT (RFC 7889). Needs 'i'; flags
 * the user has no right to set are dropped (RFC 4314 section 4: \Seen needs 's', \Deleted 't',
 * others 'w'). A missing or invisible target answers TRYCREATE. When the target is the selected
 * mailbox, the session's sync after the command sends the EXISTS.
 */
import { requireRights, rightForFlag, rightsOn } from '../../../acl/rights.js';
import type { AppendItem } from '../../../mailbox/index.js';
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

function toItems(messages: readonly AppendMessage[], rights: string, maxMessageSize: number): AppendItem[] {
  return messages.map((message) => {
    if (message.message.length > maxMessageSize) throw new CommandFailure('NO', 'TOOBIG', 'Message too big');
    if (message.message.length === 0) throw new CommandFailure('NO', null, 'Message contains no data');
    const item: AppendItem = { content: message.message, flags: permittedFlags(message.flags, rights) };
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
    const items = toItems(command.messages, rightsOn(identity, entry), ctx.deps.limits.maxMessageSize);
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
