/**
 * THREAD algorithms (RFC 5256 section 3) over what the cache holds of each message: ORDEREDSUBJECT
 * (threads by base subject, each a parent with its later messages as children) and REFERENCES
 * (Message-ID / References / In-Reply-To links, dummies pruned, roots grouped by base subject).
 * Pure: the IMAP command gathers the messages and renders the result.
 */
import { baseSubject } from './sortKeys.js';

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

const subjectKey = (m: ThreadMessage): string => m.baseSubject ?? baseSubject(m.subject).toLowerCase();
const replyOrForward = (m: ThreadMessage): boolean => m.replyOrForward ?? isReplyOrForward(m.subject);

/** A thread node: a message (id) or a dummy (null) standing for a missing parent. */
export interface ThreadNode {
  id: number | null;
  children: ThreadNode[];
}

/** The msg-ids of a References / In-Reply-To value, in order. */
export function messageIds(value: string | null): string[] {
  if (value === null) return [];
  return [...value.replace(/\([^)]*\)/g, ' ').matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!.toLowerCase());
}

const byDateThenId = (a: ThreadMessage, b: ThreadMessage): number => a.date - b.date || a.id - b.id;

export function orderedSubjectThreads(messages: readonly ThreadMessage[]): ThreadNode[] {
  const groups = new Map<string, ThreadMessage[]>();
  for (const m of [...messages].sort(byDateThenId)) {
    const key = subjectKey(m);
    const group = groups.get(key);
    if (group) group.push(m);
    else groups.set(key, [m]);
  }
  const threads = [...groups.values()].sort((a, b) => byDateThenId(a[0]!, b[0]!));
  return threads.map(([first, ...rest]) => ({ id: first!.id, children: rest.map((m) => ({ id: m.id, children: [] })) }));
}

export interface Container {
  message: ThreadMessage | null;
  parent: Container | null;
  children: Container[];
}

function isAncestor(candidate: Container, of: Container): boolean {
  for (let c: Container | null = of; c !== null; c = c.parent) if (c === candidate) return true;
  return false;
}

function link(parent: Container, child: Container): void {
  if (child.parent !== null || parent === child || isAncestor(child, parent)) return;
  child.parent = parent;
  parent.children.push(child);
}

function unlink(child: Container): void {
  if (child.parent === null) return;
  const siblings = child.parent.children;
  siblings.splice(siblings.indexOf(child), 1);
  child.parent = null;
}

/** Dummies with no children go; a dummy's children move up (at the root only when it has one). */
function prune(list: Container[], atRoot: boolean): Container[] {
  const out: Container[] = [];
  for (const c of list) {
    c.children = prune(c.children, false);
    for (const child of c.children) child.parent = c;
    if (c.message !== null) out.push(c);
    else if (c.children.length === 0) continue;
    else if (!atRoot || c.children.length === 1) for (const child of c.children) out.push(child);
    else out.push(c);
  }
  return out;
}

/** The date a container sorts by: its message's, or for a dummy its first child's (children sorted first). */
function sortLevel(list: Container[]): void {
  for (const c of list) sortLevel(c.children);
  const key = (c: Container): ThreadMessage | null => c.message ?? (c.children[0] ? key(c.children[0]) : null);
  list.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return x === null || y === null ? 0 : byDateThenId(x, y);
  });
}

/** Whether a subject differs from its base subject: a reply or forward (leaders or trailers removed). */
export function isReplyOrForward(subject: string | null): boolean {
  return subject !== null && baseSubject(subject) !== subject.replace(/[ \t\r\n]+/g, ' ').trim();
}

/**
 * Steps 1 to 3 of REFERENCES (RFC 5256 3 (b)), shared with Cyrus's REFS (threadRefs.ts): the
 * messages linked by Message-ID / References / In-Reply-To, empty dummies pruned; the roots, unsorted.
 */
export function linkByReferences(messages: readonly ThreadMessage[]): Container[] {
  const byId = new Map<string, Container>();
  const containerOf = (id: string): Container => {
    let c = byId.get(id);
    if (!c) byId.set(id, (c = { message: null, parent: null, children: [] }));
    return c;
  };
  let unique = 0;
  for (const m of messages) {
    let id = m.messageId === null ? null : (messageIds(m.messageId)[0] ?? null);
    if (id === null || byId.get(id)?.message) id = `\0unique-${unique++}`;
    const own = containerOf(id);
    own.message = m;
    let refs = messageIds(m.references);
    if (refs.length === 0) refs = messageIds(m.inReplyTo).slice(0, 1);
    let previous: Container | null = null;
    for (const ref of refs) {
      const c = containerOf(ref);
      if (previous !== null) link(previous, c);
      previous = c;
    }
    // The message's parent is the last reference, replacing what an earlier message guessed.
    if (previous !== null && previous !== own && !isAncestor(own, previous)) {
      unlink(own);
      link(previous, own);
    } else if (previous === null) unlink(own);
  }
  return prune([...byId.values()].filter((c) => c.parent === null), true);
}

export function referencesThreads(messages: readonly ThreadMessage[]): ThreadNode[] {
  let roots = linkByReferences(messages);
  sortLevel(roots);
  // Group the roots by base subject (RFC 5256 3 (b) step 5).
  const subjectOf = (c: Container): ThreadMessage | null => c.message ?? c.children[0]?.message ?? null;
  const table = new Map<string, Container>();
  for (const root of roots) {
    const m = subjectOf(root);
    const subject = m === null ? '' : subjectKey(m);
    if (subject === '') continue;
    const held = table.get(subject);
    if (!held || (held.message !== null && root.message === null) || (held.message !== null && root.message !== null && replyOrForward(held.message) && !replyOrForward(root.message))) table.set(subject, root);
  }
  const merged: Container[] = [];
  for (const root of roots) {
    const m = subjectOf(root);
    const subject = m === null ? '' : subjectKey(m);
    const holder = subject === '' ? undefined : table.get(subject);
    if (holder === undefined || holder === root) {
      merged.push(root);
      continue;
    }
    if (holder.message === null && root.message === null) {
      for (const child of root.children) holder.children.push(child);
    } else if (holder.message === null) holder.children.push(root);
    else if (root.message === null) {
      // The dummy takes the holder's place (keeping the holder's position), the holder becomes its child.
      const dummy: Container = { message: null, parent: null, children: [holder, ...root.children] };
      const at = merged.indexOf(holder);
      if (at >= 0) merged[at] = dummy;
      table.set(subject, dummy);
      continue;
    } else if (replyOrForward(root.message) && !replyOrForward(holder.message)) holder.children.push(root);
    else {
      const dummy: Container = { message: null, parent: null, children: [holder, root] };
      const at = merged.indexOf(holder);
      if (at >= 0) merged[at] = dummy;
      table.set(subject, dummy);
    }
  }
  roots = merged;
  sortLevel(roots);
  const toNode = (c: Container): ThreadNode => ({ id: c.message?.id ?? null, children: c.children.map(toNode) });
  return roots.map(toNode);
}

/** `(3 6 (4 23)(44 7 96))` for each thread: a chain is written flat, siblings each in parentheses. */
export function formatThreads(threads: readonly ThreadNode[]): string {
  const body = (node: ThreadNode): string => {
    let text = node.id === null ? '' : String(node.id);
    if (node.children.length === 1) {
      const rest = body(node.children[0]!);
      return text === '' ? `(${rest})` : `${text} ${rest}`;
    }
    if (node.children.length > 1) text += `${text === '' ? '' : ' '}${node.children.map((c) => `(${body(c)})`).join('')}`;
    return text;
  };
  return threads.map((t) => `(${body(t)})`).join('');
}
