/**
 * Duplicate suppression plugged into the intake's seam (IntakeHooks.isDuplicate / recordDelivery):
 * deliver.db keyed by Message-ID and target mailbox (`duplicatesuppression`, default on).
 * A failing deliver.db read never blocks a delivery (it is logged and the message stored: a
 * possible duplicate beats a lost message); a failing record is logged likewise.
 * A mailbox whose /vendor/cmu/cyrus-imapd/duplicatedeliver annotation is "true" (cyradm's
 * `mboxcfg MAILBOX duplicatedeliver true`) takes every copy: `allowsDuplicates` says so.
 */
import type { Logger } from '../common/index.js';
import type { IntakeHooks } from '../intake/index.js';
import type { DuplicateStore } from '../store/index.js';

export function duplicateSuppression(
  store: DuplicateStore,
  logger: Logger,
  allowsDuplicates: (mailbox: string) => boolean = () => false,
): Pick<IntakeHooks, 'isDuplicate' | 'beginDelivery' | 'recordDelivery'> {
  return {
    isDuplicate(messageId, recipient, storedRecently) {
      try {
        if (allowsDuplicates(recipient.mailbox)) return false;
        const state = store.deliveryState(messageId, recipient.mailbox);
        // Begun but never recorded: the earlier process died around its commit; the mailbox knows.
        return state === 'delivered' || (state === 'pending' && storedRecently());
      } catch (err) {
        logger.warn({ err, mailbox: recipient.mailbox }, 'deliver.db lookup failed; delivering');
        return false;
      }
    },
    beginDelivery(messageId, recipient) {
      try {
        store.markPending(messageId, recipient.mailbox);
      } catch (err) {
        logger.warn({ err, mailbox: recipient.mailbox }, 'deliver.db record failed');
      }
    },
    recordDelivery(messageId, recipient) {
      try {
        store.recordDelivery(messageId, recipient.mailbox);
      } catch (err) {
        logger.warn({ err, mailbox: recipient.mailbox }, 'deliver.db record failed');
      }
    },
  };
}
