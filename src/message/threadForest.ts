/**
 * The pieces the THREAD algorithms share, over integer arrays (threadInput.ts): ordering by
 * numeric keys without a comparator, REFERENCES steps 1 to 3 (RFC 5256 3 (b): link by
 * Message-ID / References / In-Reply-To, prune dummies), the resulting forest, and its text.
 */
import type { ThreadInput, ThreadSelection } from './threadInput.js';

/**
 * Threads as arrays: node n is a message (labels[n] its number in the response) or a dummy
 * (labels[n] = -1) standing for a missing parent; its children, in order, are
 * children[childStart[n] .. childStart[n + 1]).
 */
export interface ThreadForest {
  labels: Float64Array;
  roots: Int32Array;
  childStart: Int32Array;
  children: Int32Array;
}

/** The rank of each value among the distinct values (NaN after every number). */
function denseRanks(values: Float64Array): { ranks: Int32Array; distinct: number } {
  const sorted = values.slice().sort();
  let d = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    if (d === 0 || !(v === sorted[d - 1] || (v !== v && sorted[d - 1] !== sorted[d - 1]))) sorted[d++] = v;
  }
  const ranks = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v) {
      ranks[i] = d - 1;
      continue;
    }
    let lo = 0;
    let hi = d - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    ranks[i] = lo;
  }
  return { ranks, distinct: d };
}

/**
 * The indexes 0..n-1 ordered by keys[0], then keys[1], ..., then index: one stable counting sort
 * per key, from the last key to the first (a key already ascending in index order is skipped).
 */
export function orderByKeys(n: number, keys: readonly Float64Array[]): Int32Array {
  let order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let identity = true;
  for (let j = keys.length - 1; j >= 0; j--) {
    const key = keys[j]!;
    if (identity) {
      let ascending = true;
      for (let i = 1; i < n && ascending; i++) ascending = key[i - 1]! <= key[i]!;
      if (ascending) continue;
    }
    const { ranks, distinct } = denseRanks(key);
    const start = new Int32Array(distinct + 1);
    for (let i = 0; i < n; i++) start[ranks[i]! + 1]!++;
    for (let r = 0; r < distinct; r++) start[r + 1]! += start[r]!;
    const next = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const x = order[i]!;
      next[start[ranks[x]!]!++] = x;
    }
    order = next;
    identity = false;
  }
  return order;
}

/** Per ThreadInput (only ever added to): its rows by date then row, while it has `count` rows. */
const dateOrders = new WeakMap<ThreadInput, { count: number; order: Int32Array }>();

/**
 * The selected messages (indexes into the selection) by date, then label: the key REFERENCES and
 * ORDEREDSUBJECT sort by. When the labels ascend with the rows (sequence numbers or UIDs of a
 * mailbox's rows), that is the input's order of all rows by date then row, kept with the input,
 * narrowed to the selection.
 */
export function orderByDate(input: ThreadInput, selection: ThreadSelection): Int32Array {
  const { rows, labels } = selection;
  const m = rows.length;
  let ascending = true;
  for (let k = 1; k < m && ascending; k++) ascending = rows[k - 1]! < rows[k]! && labels[k - 1]! < labels[k]!;
  if (!ascending) {
    const dates = new Float64Array(m);
    for (let k = 0; k < m; k++) dates[k] = input.dates[rows[k]!]!;
    return orderByKeys(m, [dates, labels]);
  }
  let kept = dateOrders.get(input);
  if (kept === undefined || kept.count !== input.count) {
    kept = { count: input.count, order: orderByKeys(input.count, [input.dates.subarray(0, input.count)]) };
    dateOrders.set(input, kept);
  }
  const selected = new Int32Array(input.count).fill(-1);
  for (let k = 0; k < m; k++) selected[rows[k]!] = k;
  const order = new Int32Array(m);
  let i = 0;
  for (let r = 0; r < kept.order.length; r++) {
    const k = selected[kept.order[r]!]!;
    if (k >= 0) order[i++] = k;
  }
  return order;
}

/**
 * The messages linked and pruned (REFERENCES steps 1 to 3). Containers: one per msg-id met and
 * one per message without a usable Message-ID, numbered in the order first met; message k of the
 * selection is container `containerOf[k]`, and `messageOf[c]` is k or -1 for a dummy. `parent`
 * is after pruning: for a message, its parent message, a dummy at the root holding several
 * messages, or -1 (a root); dummies are only ever roots.
 */
export interface LinkedMessages {
  containers: number;
  containerOf: Int32Array;
  messageOf: Int32Array;
  parent: Int32Array;
  /** For a dummy root, how many messages it holds (at least 2); 0 for a dummy pruned away. */
  dummyChildren: Int32Array;
}

export function linkByReferences(input: ThreadInput, selection: ThreadSelection): LinkedMessages {
  const { rows } = selection;
  const m = rows.length;
  const { ownIds, refStart, refs } = input;
  let capacity = m;
  for (let k = 0; k < m; k++) capacity += refStart[rows[k]! + 1]! - refStart[rows[k]!]!;
  const parent = new Int32Array(capacity).fill(-1);
  const messageOf = new Int32Array(capacity).fill(-1);
  const containerOf = new Int32Array(m);
  const local = new Int32Array(input.idCount).fill(-1);
  let containers = 0;
  const isAncestor = (candidate: number, of: number): boolean => {
    for (let c = of; c >= 0; c = parent[c]!) if (c === candidate) return true;
    return false;
  };
  for (let k = 0; k < m; k++) {
    const row = rows[k]!;
    const id = ownIds[row]!;
    let own = id < 0 ? -1 : local[id]!;
    if (id >= 0 && own < 0) own = local[id] = containers++;
    else if (own < 0 || messageOf[own]! >= 0) own = containers++;
    messageOf[own] = k;
    containerOf[k] = own;
    let previous = -1;
    for (let j = refStart[row]!; j < refStart[row + 1]!; j++) {
      const ref = refs[j]!;
      let c = local[ref]!;
      if (c < 0) c = local[ref] = containers++;
      if (previous >= 0 && parent[c]! < 0 && previous !== c && !isAncestor(c, previous)) parent[c] = previous;
      previous = c;
    }
    // The message's parent is the last reference, replacing what an earlier message guessed.
    if (previous < 0) parent[own] = -1;
    else if (previous !== own && !isAncestor(own, previous)) parent[own] = previous;
  }
  // Pruning: a dummy below a message or below another dummy gives its messages to the message
  // above; a dummy at the root keeps them when it has several, else its one message is a root.
  const above = new Int32Array(containers).fill(-2);
  const path: number[] = [];
  const messageOrRootDummyAbove = (dummy: number): number => {
    let c = dummy;
    let found: number;
    for (;;) {
      if (above[c] !== -2) {
        found = above[c]!;
        break;
      }
      path.push(c);
      const p = parent[c]!;
      if (p < 0) {
        found = c;
        break;
      }
      if (messageOf[p]! >= 0) {
        found = p;
        break;
      }
      c = p;
    }
    for (const d of path) above[d] = found;
    path.length = 0;
    return found;
  };
  const dummyChildren = new Int32Array(containers);
  const pruned = new Int32Array(containers).fill(-1);
  for (let k = 0; k < m; k++) {
    const c = containerOf[k]!;
    const p = parent[c]!;
    const to = p < 0 || messageOf[p]! >= 0 ? p : messageOrRootDummyAbove(p);
    pruned[c] = to;
    if (to >= 0 && messageOf[to]! < 0) dummyChildren[to]!++;
  }
  for (let k = 0; k < m; k++) {
    const c = containerOf[k]!;
    const p = pruned[c]!;
    if (p >= 0 && dummyChildren[p] === 1) pruned[c] = -1;
  }
  for (let c = 0; c < containers; c++) if (dummyChildren[c] === 1) dummyChildren[c] = 0;
  return { containers, containerOf, messageOf, parent: pruned, dummyChildren };
}

/**
 * The forest of `nodes` nodes where message nodes `messageNodes` (in the order siblings sort) hang
 * from `parent` (-1: a root); dummies are roots, each sorting by its first message. The roots are
 * `roots` when given, else in the order of their first message.
 */
export function buildForest(nodes: number, labels: Float64Array, parent: Int32Array, messageNodes: Int32Array, roots?: Int32Array): ThreadForest {
  const childStart = new Int32Array(nodes + 1);
  for (let i = 0; i < messageNodes.length; i++) {
    const p = parent[messageNodes[i]!]!;
    if (p >= 0) childStart[p + 1]!++;
  }
  for (let n = 0; n < nodes; n++) childStart[n + 1]! += childStart[n]!;
  const fill = childStart.slice(0, nodes);
  const children = new Int32Array(childStart[nodes]!);
  const ordered = roots === undefined ? new Int32Array(messageNodes.length) : roots;
  let rootCount = 0;
  for (let i = 0; i < messageNodes.length; i++) {
    const x = messageNodes[i]!;
    const p = parent[x]!;
    if (p < 0) {
      if (roots === undefined) ordered[rootCount++] = x;
      continue;
    }
    // A dummy's first message comes first among its children: the dummy takes its place.
    if (roots === undefined && labels[p]! < 0 && fill[p] === childStart[p]) ordered[rootCount++] = p;
    children[fill[p]!++] = x;
  }
  return { labels, roots: roots === undefined ? ordered.subarray(0, rootCount) : roots, childStart, children };
}

const OPEN = -1;
const CLOSE = -2;

/** `(3 6 (4 23)(44 7 96))` for each thread: a chain is written flat, siblings each in parentheses. */
export function formatForest(forest: ThreadForest): string {
  const { labels, roots, childStart, children } = forest;
  let out = '';
  const stack: number[] = [];
  for (let r = 0; r < roots.length; r++) {
    out += '(';
    stack.push(CLOSE, roots[r]!);
    while (stack.length > 0) {
      let node = stack.pop()!;
      if (node === CLOSE) {
        out += ')';
        continue;
      }
      if (node === OPEN) {
        out += '(';
        continue;
      }
      for (;;) {
        const label = labels[node]!;
        const from = childStart[node]!;
        const to = childStart[node + 1]!;
        if (label >= 0) out += to > from ? `${label} ` : `${label}`;
        if (to - from === 1) {
          if (label < 0) {
            out += '(';
            stack.push(CLOSE);
          }
          node = children[from]!;
          continue;
        }
        for (let i = to - 1; i >= from; i--) stack.push(CLOSE, children[i]!, OPEN);
        break;
      }
    }
  }
  return out;
}
