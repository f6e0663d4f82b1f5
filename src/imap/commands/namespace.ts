import type { NamespaceEntry } from '../../auth/index.js';
import { AUTHENTICATED } from '../session/state.js';
import { imapString } from '../wire/serialize/strings.js';
import { always, defineCommand } from './types.js';

function group(entries: readonly NamespaceEntry[]): string {
  if (entries.length === 0) return 'NIL';
  return `(${entries.map((e) => `(${imapString(e.prefix)} ${imapString(e.separator)})`).join('')})`;
}

export const namespaceCommand = defineCommand({
  name: 'NAMESPACE',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx) {
    const identity = ctx.identity();
    const inbox = ctx.deps.namespace.inboxOf(identity);
    const data = ctx.deps.namespace.namespaces(identity, { inboxExists: inbox !== null && ctx.deps.store.lookup(inbox) !== null });
    ctx.out.line(`* NAMESPACE ${group(data.personal)} ${group(data.otherUsers)} ${group(data.shared)}`);
  },
});
