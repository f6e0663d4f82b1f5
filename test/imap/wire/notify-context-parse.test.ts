/** Table tests: NOTIFY, CANCELUPDATE and the PARTIAL / UPDATE return options as parsed; the NOTIFY overflow rule. */
import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../../src/imap/wire/parse/index.js';
import { MAX_PENDING_NOTIFICATIONS, NotifyState } from '../../../src/imap/session/notify-state.js';

describe('NOTIFY parsing', () => {
  it('reads filters, events (any case) and MessageNew fetch attributes', () => {
    expect(parseCommandText('NOTIFY', ' SET STATUS (Selected (messagenew (UID FLAGS) MessageExpunge)) (subtree (A "B C") (MailboxName)) (mailboxes X NONE)')).toEqual({
      name: 'NOTIFY',
      status: true,
      groups: [
        { filter: { kind: 'selected' }, events: ['MessageNew', 'MessageExpunge'], fetch: [{ kind: 'simple', item: 'UID' }, { kind: 'simple', item: 'FLAGS' }] },
        { filter: { kind: 'subtree', mailboxes: ['A', 'B C'] }, events: ['MailboxName'], fetch: null },
        { filter: { kind: 'mailboxes', mailboxes: ['X'] }, events: [], fetch: null },
      ],
    });
    expect(parseCommandText('NOTIFY', ' NONE')).toEqual({ name: 'NOTIFY', groups: null, status: false });
  });

  it('keeps unknown event names for the command to refuse with BADEVENT', () => {
    const parsed = parseCommandText('NOTIFY', ' SET (personal (XFuture))');
    expect(parsed).toMatchObject({ groups: [{ events: ['XFUTURE'] }] });
  });
});

describe('CANCELUPDATE and return options', () => {
  it('CANCELUPDATE takes one or more quoted tags', () => {
    expect(parseCommandText('CANCELUPDATE', ' "a1" "b 2"')).toEqual({ name: 'CANCELUPDATE', tags: ['a1', 'b 2'] });
    expect(() => parseCommandText('CANCELUPDATE', ' a1')).toThrow();
  });

  it('PARTIAL ranges from either end, written either way round; UPDATE and CONTEXT kept', () => {
    expect(parseCommandText('SEARCH', ' RETURN (UPDATE PARTIAL -5:-1 CONTEXT) ALL')).toMatchObject({
      returnOptions: ['UPDATE', 'CONTEXT'], partial: { fromEnd: true, low: 1, high: 5 },
    });
    expect(parseCommandText('SORT', ' RETURN (PARTIAL 9:3) (DATE) UTF-8 ALL')).toMatchObject({ partial: { fromEnd: false, low: 3, high: 9 } });
    expect(parseCommandText('SEARCH', ' RETURN () ALL')).not.toHaveProperty('partial');
  });
});

describe('NOTIFICATIONOVERFLOW', () => {
  it('past the queue limit NOTIFY turns itself off (as NOTIFY NONE)', () => {
    const state = new NotifyState();
    state.reset([{ kind: 'personal', mailboxes: [], events: new Set(['MailboxName']), fetch: null }]);
    for (let i = 0; i < MAX_PENDING_NOTIFICATIONS; i++) expect(state.queue(`user.x.m${i}`)).toBe(true);
    expect(state.queue('user.x.m0')).toBe(true);
    expect(state.queue('user.x.one-more')).toBe(false);
    expect(state.active).toBe(false);
    expect(state.take()).toEqual([]);
  });
});
