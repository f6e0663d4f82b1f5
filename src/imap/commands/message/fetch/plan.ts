/** What a FETCH item list needs: cached summaries, implicit \Seen, FLAGS. */
import type { FetchItem } from '../../../wire/parse/types.js';

export interface FetchPlan {
  /** Some item needs the cached summary (ENVELOPE, BODY, BODYSTRUCTURE, sections and BINARY of a part or a header). */
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
        // RFC822 is the whole file: no summary (as BODY[] below)
        else if (item.item === 'RFC822') plan.setsSeen = plan.content = true;
        else if (item.item === 'RFC822.TEXT') plan.setsSeen = plan.needsSummary = plan.content = true;
        else if (item.item === 'RFC822.HEADER') plan.needsSummary = plan.content = true;
        else if (item.item === 'ENVELOPE') plan.needsSummary = true;
        else if (item.item === 'BODYSTRUCTURE') plan.needsSummary = plan.bodyStructure = true;
        else if (item.item === 'BODY') plan.needsSummary = true;
        if (item.item === 'BODY' || item.item.startsWith('RFC822') && item.item !== 'RFC822.SIZE') plan.rendered = false;
        break;
      // The whole message (BODY[], BINARY[], BINARY.SIZE[]) is the file and its size: no summary
      // read and parsed per message (FETCH n (BODY.PEEK[]) is most of a mail client's reading).
      case 'section':
      case 'binary':
        plan.content = true;
        if ((item.kind === 'section' ? item.section.part.length > 0 || item.section.specifier !== null : item.part.length > 0)) plan.needsSummary = true;
        plan.rendered = false;
        if (!item.peek) plan.setsSeen = true;
        break;
      case 'binarySize':
        if (item.part.length > 0) plan.needsSummary = true;
        plan.content = true;
        plan.rendered = false;
        break;
      case 'preview':
        plan.needsSummary = plan.content = true;
        plan.rendered = false;
        break;
    }
  }
  return plan;
}
