/**
 * Cyrus's THREAD=REFS: the messages linked as REFERENCES links them (steps 1 to 3, threads.ts) but
 * never grouped by subject, and the threads ordered by their newest arrival: each thread sorts by
 * the latest internal date of any of its messages, then its first message's number (a thread whose
 * root is a missing parent first). Within a thread, siblings sort by sent date (the internal date
 * when there is none), then internal date, then number. Dates compare to the second, as Cyrus's do.
 */
import { linkByReferences, type Container, type ThreadMessage, type ThreadNode } from './threads.js';

const second = (ms: number): number => Math.floor(ms / 1000);

/** `arrival(message)`: its internal date in ms. */
export function refsThreads(messages: readonly ThreadMessage[], arrival: (m: ThreadMessage) => number): ThreadNode[] {
  const sentKey = (m: ThreadMessage): [number, number, number] => [second(m.date), second(arrival(m)), m.id];
  const compare = (a: readonly number[], b: readonly number[]): number => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
  const sortChildren = (c: Container): void => {
    for (const child of c.children) sortChildren(child);
    c.children.sort((x, y) => (x.message && y.message ? compare(sentKey(x.message), sentKey(y.message)) : 0));
  };
  const newest = (c: Container): number => Math.max(c.message ? second(arrival(c.message)) : 0, ...c.children.map(newest));
  const roots = linkByReferences(messages).map((root) => {
    sortChildren(root);
    const latest = newest(root);
    return { root, key: [latest, latest, root.message?.id ?? 0] as const };
  });
  roots.sort((a, b) => compare(a.key, b.key));
  const toNode = (c: Container): ThreadNode => ({ id: c.message?.id ?? null, children: c.children.map(toNode) });
  return roots.map(({ root }) => toNode(root));
}
