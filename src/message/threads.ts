/**
 * THREAD algorithms (RFC 5256 section 3) over the columns of a ThreadInput (threadInput.ts):
 * ORDEREDSUBJECT (threads by base subject, each a parent with its later messages as children) and
 * REFERENCES (Message-ID / References / In-Reply-To links, dummies pruned, roots grouped by base
 * subject). Everything is integer arrays: no object per message, no comparator sort (messages are
 * ordered once, by date then number, and every sibling list is filled in that order).
 * Pure: the IMAP command picks the messages and writes the result (formatForest).
 */
import { baseSubject } from './sortKeys.js';
import { buildForest, formatForest, linkByReferences, orderByDate, type ThreadForest } from './threadForest.js';
import { EMPTY_SUBJECT, ThreadInput, type ThreadSelection } from './threadInput.js';

export { formatForest, type ThreadForest } from './threadForest.js';
export { messageIds, ThreadInput, type ThreadSelection } from './threadInput.js';

export function orderedSubjectForest(input: ThreadInput, selection: ThreadSelection): ThreadForest {
  const m = selection.rows.length;
  const order = orderByDate(input, selection);
  const first = new Int32Array(input.subjectCount).fill(-1);
  const parent = new Int32Array(m).fill(-1);
  for (let r = 0; r < m; r++) {
    const k = order[r]!;
    const subject = input.subjects[selection.rows[k]!]!;
    if (first[subject]! < 0) first[subject] = k;
    else parent[k] = first[subject]!;
  }
  return buildForest(m, selection.labels, parent, order);
}

export function referencesForest(input: ThreadInput, selection: ThreadSelection): ThreadForest {
  const { rows, labels } = selection;
  const m = rows.length;
  const linked = linkByReferences(input, selection);
  const { containers, containerOf, messageOf } = linked;
  const order = orderByDate(input, selection);
  // Nodes: the containers, then the dummies that subject grouping adds (at most one per two roots).
  const nodes = containers + (m >> 1) + 1;
  const parent = new Int32Array(nodes).fill(-1);
  parent.set(linked.parent);
  const isMessage = (c: number): boolean => c < containers && messageOf[c]! >= 0;
  const subjectOf = new Int32Array(nodes);
  const replyOf = (c: number): number => input.replies[rows[messageOf[c]!]!]!;
  // Step 4: the roots sorted (by date, a dummy by its first message), each with the base subject
  // of its message or of its dummy's first message.
  const roots: number[] = [];
  for (let r = 0; r < m; r++) {
    const k = order[r]!;
    const c = containerOf[k]!;
    const p = parent[c]!;
    let root = -1;
    if (p < 0) root = c;
    else if (!isMessage(p) && subjectOf[p] === 0) root = p;
    if (root < 0) continue;
    roots.push(root);
    // + 1: 0 marks a dummy not yet met
    subjectOf[root] = input.subjects[rows[k]!]! + 1;
  }
  // Step 5: group the roots by base subject. The table holds, per subject, a dummy if one has
  // it, else a message that is not a reply or forward, else the first root.
  const table = new Int32Array(input.subjectCount).fill(-1);
  for (const root of roots) {
    const subject = subjectOf[root]! - 1;
    if (subject === EMPTY_SUBJECT) continue;
    const held = table[subject]!;
    if (held < 0 || (isMessage(held) && (!isMessage(root) || (replyOf(held) === 1 && replyOf(root) === 0)))) table[subject] = root;
  }
  const mergedInto = new Int32Array(nodes).fill(-1);
  let next = containers;
  for (const root of roots) {
    const subject = subjectOf[root]! - 1;
    const holder = subject === EMPTY_SUBJECT ? -1 : table[subject]!;
    if (holder < 0 || holder === root) continue;
    if (!isMessage(holder) && !isMessage(root)) mergedInto[root] = holder;
    else if (!isMessage(holder)) parent[root] = holder;
    else if (!isMessage(root)) {
      // The dummy takes the holder in.
      parent[holder] = root;
      table[subject] = root;
    } else if (replyOf(root) === 1 && replyOf(holder) === 0) parent[root] = holder;
    else {
      const dummy = next++;
      parent[holder] = dummy;
      parent[root] = dummy;
      table[subject] = dummy;
    }
  }
  // A dummy merged into another gives it its messages.
  for (let k = 0; k < m; k++) {
    const c = containerOf[k]!;
    let p = parent[c]!;
    while (p >= 0 && mergedInto[p]! >= 0) p = mergedInto[p]!;
    parent[c] = p;
  }
  const nodeLabels = new Float64Array(next).fill(-1);
  const messageNodes = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    const k = order[r]!;
    messageNodes[r] = containerOf[k]!;
    nodeLabels[containerOf[k]!] = labels[k]!;
  }
  return buildForest(next, nodeLabels, parent, messageNodes);
}

/** Whether a subject differs from its base subject: a reply or forward (leaders or trailers removed). */
export function isReplyOrForward(subject: string | null): boolean {
  return subject !== null && isReplyOrForwardOf(subject, baseSubject(subject));
}

/** isReplyOrForward when the caller has the subject's base subject (`base`: baseSubject(subject)) already. */
export function isReplyOrForwardOf(subject: string, base: string): boolean {
  return base !== subject.replace(/[ \t\r\n]+/g, ' ').trim();
}

// The same algorithms over message objects (tests, and callers with a handful of messages).

export interface ThreadMessage {
  /** The number the response uses (sequence number or UID); ascending input order breaks ties. */
  id: number;
  subject: string | null;
  /** The sent date (or internal date), ms. */
  date: number;
  messageId: string | null;
  references: string | null;
  inReplyTo: string | null;
  /** The base subject in lower case and whether the subject is a reply or forward, when stored at append (else worked out here). */
  baseSubject?: string;
  replyOrForward?: boolean;
}

/** A thread node: a message (id) or a dummy (null) standing for a missing parent. */
export interface ThreadNode {
  id: number | null;
  children: ThreadNode[];
}

/** `messages` as a ThreadInput with all of them selected, in order; `arrival` gives internal dates. */
export function threadInputOf(messages: readonly ThreadMessage[], arrival: (m: ThreadMessage) => number = (m) => m.date): { input: ThreadInput; selection: ThreadSelection } {
  const input = new ThreadInput();
  const rows = new Int32Array(messages.length);
  const labels = new Float64Array(messages.length);
  messages.forEach((m, k) => {
    input.add(
      m.id, m.date, arrival(m), m.baseSubject ?? baseSubject(m.subject).toLowerCase(), m.replyOrForward ?? isReplyOrForward(m.subject),
      m.messageId, m.references, m.inReplyTo,
    );
    rows[k] = k;
    labels[k] = m.id;
  });
  return { input, selection: { rows, labels } };
}

export function nodesOf(forest: ThreadForest): ThreadNode[] {
  const { labels, childStart, children } = forest;
  const node = (n: number): ThreadNode => ({
    id: labels[n]! < 0 ? null : labels[n]!,
    children: [...children.subarray(childStart[n]!, childStart[n + 1]!)].map(node),
  });
  return [...forest.roots].map(node);
}

export function orderedSubjectThreads(messages: readonly ThreadMessage[]): ThreadNode[] {
  const { input, selection } = threadInputOf(messages);
  return nodesOf(orderedSubjectForest(input, selection));
}

export function referencesThreads(messages: readonly ThreadMessage[]): ThreadNode[] {
  const { input, selection } = threadInputOf(messages);
  return nodesOf(referencesForest(input, selection));
}

/** `(3 6 (4 23)(44 7 96))` for each thread: a chain is written flat, siblings each in parentheses. */
export function formatThreads(threads: readonly ThreadNode[]): string {
  const labels: number[] = [];
  const childLists: number[][] = [];
  const add = (t: ThreadNode): number => {
    const n = labels.length;
    labels.push(t.id ?? -1);
    childLists.push([]);
    childLists[n] = t.children.map(add);
    return n;
  };
  const roots = threads.map(add);
  const childStart = new Int32Array(labels.length + 1);
  childLists.forEach((list, n) => (childStart[n + 1] = childStart[n]! + list.length));
  return formatForest({ labels: Float64Array.from(labels), roots: Int32Array.from(roots), childStart, children: Int32Array.from(childLists.flat()) });
}
