/**
 * LIST (RFC 3501 6.3.8) with LIST-EXTENDED (RFC 5258: selection SUBSCRIBED, RECURSIVEMATCH,
 * SPECIAL-USE, REMOTE; return SUBSCRIBED, CHILDREN, SPECIAL-USE; several patterns; CHILDINFO),
 * LIST-STATUS (RFC 5819), LIST-MYRIGHTS (RFC 8440), LIST-METADATA (RFC 9590) and SPECIAL-USE (RFC 6154). `LIST "" ""` gives the hierarchy delimiter.
 * REMOTE changes nothing: every mailbox is local.
 *
 * XLIST (Gmail's and Apple's command from before SPECIAL-USE) is this LIST with the special-use
 * attributes always returned, as Cyrus 3.6 answers it: in its plain form the lines say `* XLIST`
 * and the user's INBOX carries `\Inbox`; with any LIST-EXTENDED syntax they are `* LIST` lines,
 * without `\Inbox`.
 */
import { MailError } from '../../../common/index.js';
import { AUTHENTICATED } from '../../session/state.js';
import { myRightsResponse } from '../../wire/serialize/acl.js';
import { listResponse } from '../../wire/serialize/lists.js';
import { metadataResponse } from '../../wire/serialize/metadata.js';
import { always, defineCommand, type CommandContext } from '../types.js';
import { mailboxTarget, mayRead } from '../metadata/access.js';
import { entryNames, readEntries } from '../metadata/getmetadata.js';
import type { MailboxEntry } from '../../../store/index.js';
import type { ListMetadataOption } from '../../wire/parse/types.js';
import type { EntryName } from '../../wire/parse/metadata.js';
import { collectList } from './list-collect.js';
import { keepList, keptList, keptPlans } from './list-cache.js';
import { groupOf, listPlans, sourceLists, subscribedNames, visibleIn } from './list-source.js';
import { ownRecent, statusLine } from './status.js';

export const listCommand = defineCommand({
  name: 'LIST',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const identity = ctx.identity();
    const separator = ctx.deps.namespace.separator;
    const xlist = command.xlist === true;
    const responseName = xlist && !command.extended ? 'XLIST' : 'LIST';
    if (command.patterns.includes('')) {
      // The hierarchy delimiter and the root of the (flat) namespace.
      ctx.out.send(listResponse({ attributes: ['\\Noselect'], delimiter: separator, mailbox: '' }, responseName));
    }
    const patterns = command.patterns.filter((p) => p !== '');
    if (patterns.length === 0) return;
    const select = new Set(command.selectOptions);
    const returns = command.returnOptions;
    const metadataNames = returns.metadata ? entryNames(returns.metadata.entries) : null;
    let longest = 0;
    const wantSubscriptions = select.has('SUBSCRIBED') || returns.subscribed;
    const returnSpecialUse = xlist || returns.specialUse || select.has('SPECIAL-USE') || ctx.deps.config.bool('specialusealways');
    // Everything but the store's answers that the listed names depend on (list-cache.ts).
    const key = JSON.stringify([command.reference, patterns, [...select].sort(), command.extended, wantSubscriptions, returnSpecialUse]);
    const plans = keptPlans(identity, key) ?? listPlans(ctx, command.reference, patterns);
    const lists = sourceLists(ctx, plans, { complete: select.has('SPECIAL-USE') && select.has('RECURSIVEMATCH') });
    const subscriptions = wantSubscriptions ? ctx.deps.store.subscriptions(identity.userid) : null;
    let kept = keptList(identity, key, lists, subscriptions);
    if (kept === null) {
      const mailboxes = visibleIn(ctx, lists);
      const listed = collectList({
        separator,
        plans,
        mailboxes: [...mailboxes.values()].map((m) => m.visible),
        subscriptions: subscriptions === null ? [] : subscribedNames(ctx, subscriptions),
        extended: command.extended,
        selectSubscribed: select.has('SUBSCRIBED'),
        selectSpecialUse: select.has('SPECIAL-USE'),
        recursiveMatch: select.has('RECURSIVEMATCH'),
        returnSubscribed: wantSubscriptions,
        returnSpecialUse,
        groupOf: groupOf(ctx),
      });
      kept = { key, plans, lists, subscriptions, mailboxes, listed };
      keepList(identity, kept);
    }
    const { mailboxes, listed } = kept;
    for (const name of listed) {
      // The user's own INBOX is the only one named INBOX.
      const attributes = responseName === 'XLIST' && name.external === 'INBOX' && name.mailbox ? [...name.attributes, '\\Inbox'] : name.attributes;
      ctx.out.send(listResponse({ attributes, delimiter: separator, mailbox: name.external, childInfo: name.childInfo }, responseName));
      const found = name.mailbox ? mailboxes.get(name.mailbox.internal) : undefined;
      // LIST-STATUS: only for selectable mailboxes the user may read (RFC 5819 section 2).
      const relayed = returns.status && found ? ctx.relayStatus(found.entry, name.external, returns.status) : null;
      if (relayed !== null) await relayed;
      else if (returns.status && found && ctx.deps.rights.hasRights(identity, found.entry, 'r')) {
        try {
          ctx.out.send(statusLine(ctx.deps.store, identity, found.entry, name.external, returns.status, ctx.deps.limits.maxMessageSize, ownRecent(ctx, found.entry)));
        } catch (err) {
          // A mailbox that cannot be opened now is still listed; its STATUS is left out.
          if (!(err instanceof MailError)) throw err;
        }
      }
      // LIST-MYRIGHTS (RFC 8440): the rights on each listed mailbox that exists.
      if (returns.myRights && found) ctx.out.send(myRightsResponse(name.external, ctx.deps.rights.rightsOn(identity, found.entry).format()));
      // LIST-METADATA: a mailbox on another Murder backend has its metadata there.
      const relayedMetadata = metadataNames !== null && found ? ctx.relayMetadata(found.entry, name.external, returns.metadata!) : null;
      if (relayedMetadata !== null) await relayedMetadata;
      else if (metadataNames !== null && found) longest = Math.max(longest, sendMetadata(ctx, found.entry, name.external, metadataNames, returns.metadata!));
      await ctx.out.maybeFlush();
    }
    // Values left out over MAXSIZE, as GETMETADATA tells them.
    if (longest > 0) return { status: 'OK', code: `METADATA LONGENTRIES ${longest}`, text: 'LIST completed' };
  },
});

/**
 * LIST-METADATA (RFC 9590): the METADATA response GETMETADATA would give for the listed mailbox,
 * read the same way (one read of its annotations) under the same rights; nothing for a mailbox whose
 * metadata the user may not read, or that cannot be read now (the RFC lets the server drop it).
 * Returns the longest value left out over MAXSIZE (0: none).
 */
function sendMetadata(ctx: CommandContext, entry: MailboxEntry, external: string, names: readonly EntryName[], option: ListMetadataOption): number {
  const target = mailboxTarget(ctx, entry);
  if (!mayRead(target)) return 0;
  try {
    const { pairs, longest } = readEntries(ctx, target, names, option.depth, option.maxSize);
    if (pairs.length > 0) ctx.out.raw(metadataResponse(external, pairs));
    return longest;
  } catch (err) {
    if (!(err instanceof MailError)) throw err;
    return 0;
  }
}
