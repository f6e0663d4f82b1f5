/**
 * NOTIFY (RFC 5465 section 8): `NOTIFY NONE` or `NOTIFY SET [STATUS] (filter events) ...`. The
 * grammar's own rules are checked here (BAD): one SELECTED / SELECTED-DELAYED group, only message
 * events and fetch attributes there, MessageNew with MessageExpunge, FlagChange with both. Events
 * the server does not offer are left for the command to refuse with NO [BADEVENT].
 */
import type { ArgumentCursor } from '../cursor.js';
import { parseFetchItems } from './fetch.js';
import type { Command, FetchItem } from './types.js';

export type NotifyFilter =
  | { kind: 'selected' | 'selected-delayed' | 'personal' | 'inboxes' | 'subscribed' }
  | { kind: 'subtree' | 'mailboxes'; mailboxes: string[] };

/** One `(filter events)` group; `events` in their canonical spelling (unknown ones upper-cased). */
export interface NotifyGroup {
  filter: NotifyFilter;
  events: string[];
  /** MessageNew's fetch attributes (selected filters only); null without. */
  fetch: FetchItem[] | null;
}

export const MESSAGE_EVENTS = ['MessageNew', 'MessageExpunge', 'FlagChange', 'AnnotationChange'];
const KNOWN_EVENTS = [...MESSAGE_EVENTS, 'MailboxName', 'SubscriptionChange', 'MailboxMetadataChange', 'ServerMetadataChange'];
const CANONICAL = new Map(KNOWN_EVENTS.map((e) => [e.toUpperCase(), e]));

function mailboxList(cursor: ArgumentCursor): string[] {
  if (cursor.peek() === '(') return cursor.list(() => cursor.astring('mailbox name'), false);
  return [cursor.astring('mailbox name')];
}

function filter(cursor: ArgumentCursor): NotifyFilter {
  const word = cursor.keyword('mailbox filter');
  switch (word) {
    case 'SELECTED': return { kind: 'selected' };
    case 'SELECTED-DELAYED': return { kind: 'selected-delayed' };
    case 'PERSONAL': return { kind: 'personal' };
    case 'INBOXES': return { kind: 'inboxes' };
    case 'SUBSCRIBED': return { kind: 'subscribed' };
    case 'SUBTREE':
    case 'MAILBOXES':
      cursor.sp();
      return { kind: word === 'SUBTREE' ? 'subtree' : 'mailboxes', mailboxes: mailboxList(cursor) };
    default:
      return cursor.fail(`Unknown mailbox filter ${word}`);
  }
}

function group(cursor: ArgumentCursor): NotifyGroup {
  cursor.expect('(');
  const f = filter(cursor);
  cursor.sp();
  const events: string[] = [];
  let fetch: FetchItem[] | null = null;
  if (cursor.peek() === '(') {
    cursor.list(() => {
      const word = cursor.keyword('event');
      const event = CANONICAL.get(word) ?? word;
      if (events.includes(event)) cursor.fail(`${event} twice`);
      events.push(event);
      if (event === 'MessageNew' && cursor.peek() === ' ') {
        const probe = cursor.clone();
        probe.sp();
        if (probe.peek() === '(') {
          cursor.sp();
          fetch = parseFetchItems(cursor);
        }
      }
    }, false);
  } else if (cursor.keyword('events') !== 'NONE') cursor.fail('Expected an event list or NONE');
  cursor.expect(')');
  const selected = f.kind === 'selected' || f.kind === 'selected-delayed';
  if (selected && events.some((e) => CANONICAL.has(e.toUpperCase()) && !MESSAGE_EVENTS.includes(e))) cursor.fail('Only message events apply to the selected mailbox');
  if (fetch !== null && !selected) cursor.fail('Fetch attributes apply only to the selected mailbox');
  if (events.includes('MessageNew') !== events.includes('MessageExpunge')) cursor.fail('MessageNew and MessageExpunge go together');
  if ((events.includes('FlagChange') || events.includes('AnnotationChange')) && !events.includes('MessageNew')) {
    cursor.fail('FlagChange needs MessageNew and MessageExpunge');
  }
  return { filter: f, events, fetch };
}

/** The cursor stands after NOTIFY. */
export function parseNotify(cursor: ArgumentCursor): Extract<Command, { name: 'NOTIFY' }> {
  cursor.sp();
  const mode = cursor.keyword('NOTIFY mode');
  if (mode === 'NONE') {
    cursor.end();
    return { name: 'NOTIFY', groups: null, status: false };
  }
  if (mode !== 'SET') cursor.fail('Expected SET or NONE');
  cursor.sp();
  let status = false;
  if (cursor.peek().toUpperCase() === 'S') {
    if (cursor.keyword('STATUS') !== 'STATUS') cursor.fail('Expected STATUS');
    status = true;
    cursor.sp();
  }
  const groups: NotifyGroup[] = [group(cursor)];
  while (cursor.maybeSp()) groups.push(group(cursor));
  cursor.end();
  if (groups.filter((g) => g.filter.kind === 'selected' || g.filter.kind === 'selected-delayed').length > 1) {
    cursor.fail('One SELECTED or SELECTED-DELAYED group at most');
  }
  return { name: 'NOTIFY', groups, status };
}
