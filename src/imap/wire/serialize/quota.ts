/** The untagged responses of RFC 9208: QUOTA and QUOTAROOT. */
import { mailboxName } from './lists.js';
import { astring } from './strings.js';

/** One resource of a QUOTA response: its name, usage and limit (STORAGE in KiB). */
export type QuotaResourceLine = readonly [name: string, usage: number, limit: number];

/** `* QUOTA root (STORAGE 10 512 MESSAGE 3 100)`; `()` for a root without limits. */
export function quotaResponse(root: string, resources: readonly QuotaResourceLine[]): string {
  const list = resources.map(([name, usage, limit]) => `${name} ${usage} ${limit}`).join(' ');
  return `* QUOTA ${astring(root)} (${list})\r\n`;
}

/** `* QUOTAROOT mailbox root...` (no root: the mailbox alone). */
export function quotaRootResponse(mailbox: string, roots: readonly string[]): string {
  return `* QUOTAROOT ${mailboxName(mailbox)}${roots.map((root) => ` ${astring(root)}`).join('')}\r\n`;
}
