/**
 * What one SEARCH may cost (issue 17): a cap on its criteria, a budget of key evaluations (one key
 * tested against one message, checked before any work), a turn for the other sessions of this
 * process every so often, and an early stop when the client has gone. The unit is deterministic
 * (no clocks), so the same search on the same mailbox is always allowed or always refused.
 */
import type { SearchKey } from '../../../wire/parse/types.js';
import { CommandFailure } from '../../types.js';

/** Key evaluations between two turns given to the other sessions of the process. */
const YIELD_EVERY = 2_000;

/** Reading and scanning a message's text costs this many header or flag tests. */
const TEXT_WEIGHT = 10;

/** The keys (leaves) of a criteria tree and their weight per message, counted without recursion. */
export function measureCriteria(criteria: SearchKey): { keys: number; weight: number } {
  let keys = 0;
  let weight = 0;
  const stack: SearchKey[] = [criteria];
  for (let key = stack.pop(); key !== undefined; key = stack.pop()) {
    if (key.kind === 'and') stack.push(...key.keys);
    else if (key.kind === 'or') stack.push(key.left, key.right);
    else if (key.kind === 'not') stack.push(key.key);
    else {
      keys++;
      weight += key.kind === 'body' || key.kind === 'text' ? TEXT_WEIGHT : 1;
    }
  }
  return { keys, weight };
}

export interface SearchLimits {
  /** Most keys in one SEARCH (search_maxcriteria). */
  maxCriteria: number;
  /** Most key evaluations (keys × messages, text keys weighing more) in one SEARCH (search_budget). */
  budget: number;
}

/**
 * Admit a search before any work: NO [LIMIT] when it has too many keys or would test more keys
 * against messages than the budget allows. Returns the pacer for the work.
 */
export function admitSearch(criteria: SearchKey, messages: number, limits: SearchLimits, clientGone: () => boolean): SearchPacer {
  const { keys, weight } = measureCriteria(criteria);
  if (keys > limits.maxCriteria) throw new CommandFailure('NO', 'LIMIT', `Too many search criteria (at most ${limits.maxCriteria})`);
  if (weight * messages > limits.budget) throw new CommandFailure('NO', 'LIMIT', 'Search too costly for this mailbox; narrow the criteria');
  return new SearchPacer(weight, clientGone);
}

/** Gives the other sessions of the process a turn during a long search, and stops it when its client has gone. */
export class SearchPacer {
  private sinceYield = 0;

  constructor(
    private readonly perMessage: number,
    private readonly clientGone: () => boolean,
  ) {}

  /**
   * After one message (or, with `force`, a batch): let the other sessions run when enough work
   * was done since their last turn; throws SearchAbandoned when the client left meanwhile.
   */
  async pause(force = false): Promise<void> {
    await this.worked(this.perMessage, force);
  }

  /** After `evaluations` key tests done at once (one key over whole columns): as pause(). */
  async worked(evaluations: number, force = false): Promise<void> {
    this.sinceYield += evaluations;
    if (!force && this.sinceYield < YIELD_EVERY) return;
    this.sinceYield = 0;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.clientGone()) throw new SearchAbandoned();
  }
}

/** The client closed the connection while its search ran: the work stops, nothing is answered. */
export class SearchAbandoned extends CommandFailure {
  constructor() {
    super('NO', null, 'Search abandoned: the client has gone');
  }
}
