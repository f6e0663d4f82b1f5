/**
 * The cached data of one FETCH batch: the IMAP text of ENVELOPE and BODYSTRUCTURE rendered at
 * append time when the items need nothing else from the cache, parsed summaries otherwise (and for
 * messages cached before the rendered text existed).
 */
import type { Mailbox } from '../../../../mailbox/index.js';
import type { ImapForm, MessageSummary } from '../../../../message/index.js';
import type { FetchPlan } from './plan.js';

interface BatchCache {
  /** From the cache rows' rendered text (plan.rendered), by position in the batch; null where absent. */
  envelopes: Array<ImapForm | null> | null;
  bodyStructures: Array<ImapForm | null> | null;
  /** Parsed summaries: every message, or only those whose row lacks the rendered text. */
  summaries: Map<number, MessageSummary> | null;
}

/** What the batch needs from the cache: the rendered text when that is enough, summaries otherwise. */
export function loadBatch(mailbox: Mailbox, uids: number[], plan: FetchPlan): BatchCache {
  if (!plan.rendered) return { envelopes: null, bodyStructures: null, summaries: mailbox.summaries(uids) };
  const { envelopes, bodyStructures } = mailbox.renderedForms(uids, plan.bodyStructure);
  let lacking: number[] | null = null;
  for (let k = 0; k < uids.length; k++) {
    if (envelopes[k] === null || (bodyStructures !== null && bodyStructures[k] === null)) {
      envelopes[k] = null;
      (lacking ??= []).push(uids[k]!);
    }
  }
  return { envelopes, bodyStructures, summaries: lacking === null ? null : mailbox.summaries(lacking) };
}
