/**
 * LSUB (RFC 3501 6.3.9): the subscribed names matching the pattern, whether the mailboxes exist
 * or not. A name above a subscribed one that "%" stops at is answered with \Noselect when it is not
 * subscribed itself.
 */
import { AUTHENTICATED } from '../../session/state.js';
import { listResponse } from '../../wire/serialize/lists.js';
import { always, defineCommand } from '../types.js';
import { groupOf, listPlans, subscribedNames } from './list-source.js';

export const lsubCommand = defineCommand({
  name: 'LSUB',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const separator = ctx.deps.namespace.separator;
    if (command.pattern === '') {
      ctx.out.send(listResponse({ attributes: ['\\Noselect'], delimiter: separator, mailbox: '' }, 'LSUB'));
      return;
    }
    const [plan] = listPlans(ctx, command.reference, [command.pattern]);
    const subscribed = new Set<string>();
    const parents = new Set<string>();
    for (const name of subscribedNames(ctx)) {
      const direct = plan!.match(name.internal);
      if (direct !== null) subscribed.add(direct);
      else for (const ancestor of plan!.matchingAncestors(name.internal)) parents.add(ancestor);
    }
    const group = groupOf(ctx);
    const names = [...new Set([...subscribed, ...parents])];
    names.sort((a, b) => group(a) - group(b) || (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      ctx.out.send(listResponse({ attributes: subscribed.has(name) ? [] : ['\\Noselect'], delimiter: separator, mailbox: name }, 'LSUB'));
    }
  },
});
