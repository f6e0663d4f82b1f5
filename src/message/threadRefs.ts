/**
 * Cyrus's THREAD=REFS: the messages linked as REFERENCES links them (steps 1 to 3,
 * threadForest.ts) but never grouped by subject, and the threads ordered by their newest arrival:
 * each thread sorts by the latest internal date of any of its messages, then its first message's
 * number (a thread whose root is a missing parent first). Within a thread, siblings sort by sent
 * date (the internal date when there is none), then internal date, then number. Dates compare to
 * the second, as Cyrus's do.
 */
import { buildForest, linkByReferences, orderByKeys, type ThreadForest } from './threadForest.js';
import type { ThreadInput, ThreadSelection } from './threadInput.js';
import { nodesOf, threadInputOf, type ThreadMessage, type ThreadNode } from './threads.js';

export function refsForest(input: ThreadInput, selection: ThreadSelection): ThreadForest {
  const { rows, labels } = selection;
  const m = rows.length;
  const { containers, containerOf, messageOf, parent, dummyChildren } = linkByReferences(input, selection);
  const sentSeconds = new Float64Array(m);
  const arrivalSeconds = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    sentSeconds[k] = Math.floor(input.dates[rows[k]!]! / 1000);
    arrivalSeconds[k] = Math.floor(input.arrivals[rows[k]!]! / 1000);
  }
  const order = orderByKeys(m, [sentSeconds, arrivalSeconds, labels]);
  // Each thread's newest arrival: its root found by walking up (remembered along the way).
  const rootOf = new Int32Array(containers).fill(-1);
  const path: number[] = [];
  const newest = new Float64Array(containers);
  for (let c = 0; c < containers; c++) newest[c] = messageOf[c]! >= 0 ? -Infinity : 0;
  for (let k = 0; k < m; k++) {
    let c = containerOf[k]!;
    while (rootOf[c]! < 0 && parent[c]! >= 0) {
      path.push(c);
      c = parent[c]!;
    }
    const root = rootOf[c]! >= 0 ? rootOf[c]! : c;
    rootOf[c] = root;
    for (const x of path) rootOf[x] = root;
    path.length = 0;
    if (arrivalSeconds[k]! > newest[root]!) newest[root] = arrivalSeconds[k]!;
  }
  // The roots in the order first met (ties: two missing parents with the same newest arrival).
  const roots: number[] = [];
  for (let c = 0; c < containers; c++) if (messageOf[c]! >= 0 ? parent[c]! < 0 : dummyChildren[c]! >= 2) roots.push(c);
  const rootNewest = new Float64Array(roots.length);
  const rootNumber = new Float64Array(roots.length);
  roots.forEach((c, i) => {
    rootNewest[i] = newest[c]!;
    rootNumber[i] = messageOf[c]! >= 0 ? labels[messageOf[c]!]! : 0;
  });
  const rootOrder = orderByKeys(roots.length, [rootNewest, rootNumber]);
  const orderedRoots = new Int32Array(roots.length);
  for (let i = 0; i < roots.length; i++) orderedRoots[i] = roots[rootOrder[i]!]!;
  const nodeLabels = new Float64Array(containers).fill(-1);
  const messageNodes = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    const k = order[r]!;
    messageNodes[r] = containerOf[k]!;
    nodeLabels[containerOf[k]!] = labels[k]!;
  }
  return buildForest(containers, nodeLabels, parent, messageNodes, orderedRoots);
}

/** `arrival(message)`: its internal date in ms. */
export function refsThreads(messages: readonly ThreadMessage[], arrival: (m: ThreadMessage) => number): ThreadNode[] {
  const { input, selection } = threadInputOf(messages, arrival);
  return nodesOf(refsForest(input, selection));
}
