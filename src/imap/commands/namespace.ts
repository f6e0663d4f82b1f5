import type { NamespaceEntry } from '../../names/index.js';
import { AUTHENTICATED } from '../session/state.js';
import { namespaceResponse, type NamespaceDescription } from '../wire/serialize/lists.js';
import { always, defineCommand } from './types.js';

const describe = (entries: readonly NamespaceEntry[]): NamespaceDescription[] => entries.map((e) => ({ prefix: e.prefix, delimiter: e.separator }));

export const namespaceCommand = defineCommand({
  name: 'NAMESPACE',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx) {
    const identity = ctx.identity();
    const inbox = ctx.deps.namespace.inboxOf(identity);
    const data = ctx.deps.namespace.namespaces(identity, { inboxExists: inbox !== null && ctx.deps.store.lookup(inbox) !== null });
    ctx.out.send(namespaceResponse(describe(data.personal), describe(data.otherUsers), describe(data.shared)));
  },
});
