import { describe, expect, test } from 'vitest';
import type { Identity } from '../../../src/auth/index.js';
import { admit } from '../../../src/imap/commands/registry.js';
import { CommandFailure } from '../../../src/imap/commands/types.js';
import { enableable } from '../../../src/imap/commands/enable.js';
import type { SelectedMailbox } from '../../../src/imap/session/selected.js';
import type { SessionState } from '../../../src/imap/session/state.js';
import { parseCommandText } from '../../../src/imap/wire/parse/index.js';

const identity = { userid: 'fred' } as Identity;
const selected = (readOnly: boolean): SessionState => ({ kind: 'selected', identity, selected: { readOnly } as SelectedMailbox });

function refusal(name: string, args: string, state: SessionState): string | null {
  try {
    admit(parseCommandText(name, args), state);
    return null;
  } catch (err) {
    if (!(err instanceof CommandFailure)) throw err;
    return `${err.status} ${err.code ? `[${err.code}] ` : ''}${err.message}`;
  }
}

describe('the gate before every handler', () => {
  test.each([
    ['STORE', ' 1 +FLAGS (\\Seen)'],
    ['UID', ' STORE 1 +FLAGS (\\Seen)'],
    ['EXPUNGE', ''],
    ['UID', ' EXPUNGE 1'],
    ['MOVE', ' 1 Trash'],
    ['UID', ' MOVE 1 Trash'],
  ])('%s%s changes the mailbox: refused on a read-only selection, admitted on a read-write one', (name, args) => {
    expect(refusal(name, args, selected(true))).toBe('NO [READ-ONLY] Mailbox is read-only');
    expect(refusal(name, args, selected(false))).toBeNull();
  });

  test.each([
    ['FETCH', ' 1 FLAGS'],
    ['COPY', ' 1 Trash'],
    ['SEARCH', ' ALL'],
    ['CLOSE', ''],
    ['NOOP', ''],
  ])('%s%s is admitted on a read-only selection', (name, args) => {
    expect(refusal(name, args, selected(true))).toBeNull();
  });

  test('state comes first', () => {
    expect(refusal('SELECT', ' INBOX', { kind: 'notAuthenticated' })).toBe('BAD Please login first');
    expect(refusal('STORE', ' 1 +FLAGS (\\Seen)', { kind: 'authenticated', identity })).toBe('BAD STORE not allowed now');
    expect(refusal('LOGIN', ' fred pass', selected(true))).toBe('BAD LOGIN not allowed now');
  });
});

describe('ENABLE', () => {
  test('enables only the known extensions the server advertises, each once, canonical case', () => {
    const advertised = ['IMAP4rev1', 'ENABLE', 'CONDSTORE', 'UTF8=ACCEPT'];
    expect(enableable(['condstore', 'QRESYNC', 'CONDSTORE', 'utf8=accept', 'X-UNKNOWN'], advertised)).toEqual(['CONDSTORE', 'UTF8=ACCEPT']);
    expect(enableable(['IMAP4rev1', 'ENABLE'], advertised)).toEqual([]);
    expect(enableable(['CONDSTORE', 'QRESYNC'], ['IMAP4rev1'])).toEqual([]);
  });
});
