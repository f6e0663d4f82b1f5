import { MAX_ANNOTATION_SIZE } from '../../mailbox/index.js';
import { SelectedMailbox } from '../session/selected.js';
import { AUTHENTICATED } from '../session/state.js';
import type { MailboxUpdate } from '../session/updates.js';
import { codes, untaggedStatus } from '../wire/serialize/response.js';
import { always, CommandFailure, defineCommand } from './types.js';
import { externalRoot } from './quota/access.js';
import { quotaWarning } from './quota/warning.js';
import { requireQresync, selectResync } from './resync.js';

/** SELECT and EXAMINE (one handler; EXAMINE opens read-only). */
export const selectCommand = defineCommand({
  name: 'SELECT',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    // RFC 7162: QRESYNC must have been enabled; either parameter turns CONDSTORE on.
    if (command.qresync) requireQresync(ctx, 'SELECT (QRESYNC)');
    // Selecting deselects first: a failed SELECT leaves the session authenticated (RFC 3501 6.3.1).
    // The closed selection is told with [CLOSED] whether or not the client enabled anything: RFC 7162
    // 3.2.11 asks it of every server that offers CONDSTORE or QRESYNC (and RFC 9051 6.3.2 of all),
    // as Cyrus 3.6 and Dovecot 2.3 send it. Responses before it concern the old mailbox.
    if (ctx.state.kind === 'selected') {
      ctx.select(null);
      ctx.out.send(untaggedStatus('OK', 'CLOSED', 'Ok'));
    }
    const identity = ctx.identity();
    const name = ctx.toInternal(command.mailbox);
    const entry = ctx.deps.store.lookup(name);
    if (!entry) throw new CommandFailure('NO', 'NONEXISTENT', 'Mailbox does not exist');
    const rights = ctx.deps.rights.requireRights(identity, entry, 'r');
    const mailbox = ctx.deps.store.openMailbox(name);
    // Being moved to another server by XFER: read-only until it has gone (then the frontend finds it there).
    const readOnly = command.name === 'EXAMINE' || !rights.hasAny('swt') || mailbox.frozen;
    let selected: SelectedMailbox;
    let resync: MailboxUpdate[] = [];
    try {
      selected = await SelectedMailbox.open(mailbox, command.mailbox, readOnly, identity.userid);
      // What a QRESYNC client missed: VANISHED (EARLIER) and FETCHes, sent after the usual responses.
      if (command.qresync) resync = selectResync(selected, command.qresync, identity.userid);
    } catch (err) {
      mailbox.close();
      throw err;
    }
    // A big mailbox is read in slices (other sessions run meanwhile): its client may have left.
    if (ctx.clientGone()) {
      selected.close();
      return;
    }
    if (command.condstore || command.qresync) ctx.enable(['CONDSTORE']);
    ctx.sendUpdates([selected.flagsUpdate(), { kind: 'exists', count: selected.count }, { kind: 'recent', count: selected.recentCount }]);
    if (selected.firstUnseen > 0) ctx.out.send(untaggedStatus('OK', codes.unseen(selected.firstUnseen), 'Ok'));
    ctx.out.send(untaggedStatus('OK', codes.uidValidity(selected.uidValidity), 'Ok'));
    ctx.out.send(untaggedStatus('OK', codes.uidNext(selected.uidNext), 'Ok'));
    // Every mailbox keeps modseqs: HIGHESTMODSEQ, never NOMODSEQ (RFC 7162 3.1.2.1).
    if (ctx.enabled.has('CONDSTORE')) ctx.out.send(untaggedStatus('OK', `HIGHESTMODSEQ ${selected.highestModseq}`, 'Ok'));
    // OBJECTID (RFC 8474 4.2): the mailbox's uniqueid.
    ctx.out.send(untaggedStatus('OK', `MAILBOXID (${entry.uniqueId})`, 'Ok'));
    // URLAUTH (RFC 4467 section 8): the mechanisms of GENURLAUTH, as Cyrus says on every SELECT.
    ctx.out.send(untaggedStatus('OK', 'URLMECH INTERNAL', 'Ok'));
    // ANNOTATE-EXPERIMENT-1 (RFC 5257 4.1): the largest annotation value stored, as Cyrus says it.
    ctx.out.send(untaggedStatus('OK', `ANNOTATIONS ${MAX_ANNOTATION_SIZE}`, 'Ok'));
    const quota = rights.has('t') ? ctx.deps.store.quotas.quotaOf(name) : null;
    const warning = quota && quotaWarning(ctx.deps.config, quota, externalRoot(ctx, quota.root));
    if (warning) ctx.out.send(untaggedStatus('NO', 'ALERT', warning));
    ctx.sendUpdates(resync);
    ctx.select(selected);
    return { status: 'OK', code: readOnly ? codes.readOnly() : codes.readWrite(), text: 'Completed' };
  },
});
