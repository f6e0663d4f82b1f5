/** What a FETCH item list needs: cached summaries, implicit \Seen, FLAGS. */
import type { FetchItem } from '../../../wire/parse/types.js';

export interface FetchPlan {
  /** Some item needs the cached summary (ENVELOPE, BODY, BODYSTRUCTURE, sections, BINARY). */
  needsSummary: boolean;
  /** Some item sets \Seen (BODY[...] and BINARY[...] without PEEK, RFC822, RFC822.TEXT). */
  setsSeen: boolean;
  /** FLAGS was asked for. */
  flags: boolean;
}

export function planFetch(items: readonly FetchItem[]): FetchPlan {
  const plan: FetchPlan = { needsSummary: false, setsSeen: false, flags: false };
  for (const item of items) {
    switch (item.kind) {
      case 'simple':
        if (item.item === 'FLAGS') plan.flags = true;
        else if (item.item === 'RFC822' || item.item === 'RFC822.TEXT') plan.setsSeen = plan.needsSummary = true;
        else if (item.item === 'ENVELOPE' || item.item === 'BODY' || item.item === 'BODYSTRUCTURE' || item.item === 'RFC822.HEADER') plan.needsSummary = true;
        break;
      case 'section':
      case 'binary':
        plan.needsSummary = true;
        if (!item.peek) plan.setsSeen = true;
        break;
      case 'binarySize':
        plan.needsSummary = true;
        break;
    }
  }
  return plan;
}
