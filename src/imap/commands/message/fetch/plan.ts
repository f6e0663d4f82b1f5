/** What a FETCH item list needs: cached summaries, implicit \Seen, FLAGS. */
import type { FetchItem } from '../../../wire/parse/types.js';

export interface FetchPlan {
  /** Some item needs the cached summary (ENVELOPE, BODY, BODYSTRUCTURE, sections, BINARY). */
  needsSummary: boolean;
  /** Some item sets \Seen (BODY[...] and BINARY[...] without PEEK, RFC822, RFC822.TEXT). */
  setsSeen: boolean;
  /** FLAGS was asked for. */
  flags: boolean;
  /**
   * The only items needing the summary are ENVELOPE and BODYSTRUCTURE, whose IMAP text the cache
   * row holds: FETCH reads that text instead of the summaries (and the summary where a row lacks it).
   */
  rendered: boolean;
  bodyStructure: boolean;
  /** Some item reads message content (sections, RFC822*, BINARY*): rendering awaits. */
  content: boolean;
}

export function planFetch(items: readonly FetchItem[]): FetchPlan {
  const plan: FetchPlan = { needsSummary: false, setsSeen: false, flags: false, rendered: true, bodyStructure: false, content: false };
  for (const item of items) {
    switch (item.kind) {
      case 'simple':
        if (item.item === 'FLAGS') plan.flags = true;
        else if (item.item === 'RFC822' || item.item === 'RFC822.TEXT') plan.setsSeen = plan.needsSummary = plan.content = true;
        else if (item.item === 'RFC822.HEADER') plan.needsSummary = plan.content = true;
        else if (item.item === 'ENVELOPE') plan.needsSummary = true;
        else if (item.item === 'BODYSTRUCTURE') plan.needsSummary = plan.bodyStructure = true;
        else if (item.item === 'BODY') plan.needsSummary = true;
        if (item.item === 'BODY' || item.item.startsWith('RFC822') && item.item !== 'RFC822.SIZE') plan.rendered = false;
        break;
      case 'section':
      case 'binary':
        plan.needsSummary = plan.content = true;
        plan.rendered = false;
        if (!item.peek) plan.setsSeen = true;
        break;
      case 'binarySize':
      case 'preview':
        plan.needsSummary = plan.content = true;
        plan.rendered = false;
        break;
    }
  }
  return plan;
}
