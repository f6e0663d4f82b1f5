/**
 * FETCH of a few messages under load (issue 16): the index changed since the session's last sync,
 * so the facts come from a snapshot read in a transaction, and that snapshot names the mailbox
 * (uniqueid, UIDVALIDITY): a range of ENVELOPE bytes kept for it is handed out without a second
 * read transaction (MessageReader.formBytes `known`). Never for another mailbox or UIDVALIDITY.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dropKeptForms } from '../../../src/mailbox/form-cache.js';
import type { MailStore } from '../../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  dropKeptForms();
  env = makeEnv('expunge_mode: immediate\nfsync_disabled: yes');
  store = env.open();
});
afterEach(() => {
  dropKeptForms();
  env.cleanup();
});

async function fill(s: MailStore, name: string, count: number): Promise<void> {
  const box = s.openMailbox(name);
  await box.append(Array.from({ length: count }, (_, i) => ({ content: message(`${name} m${i + 1}`) })), { userid: 'fred' });
  box.close();
}

describe('kept forms for the mailbox a snapshot names', () => {
  it('are handed out after another connection committed, without reading them again', async () => {
    store.createMailbox('user.fred');
    await fill(store, 'user.fred', 20);
    const box = store.openMailbox('user.fred');
    const snapshot = box.snapshot('fred');
    const known = { uniqueId: box.uniqueId, uidValidity: snapshot.uidValidity };
    const first = box.formBytes(3, 12, false, false, false, known);
    expect(first.count).toBe(10);
    expect(first.envelopes.toString('latin1')).toContain('user.fred m3');
    // Another process's connection commits: the index is no longer quiet for this one.
    const elsewhere = env.open();
    const other = elsewhere.openMailbox('user.fred');
    other.setFlags([5], 'add', ['\\Flagged'], { userid: 'fred' });
    other.close();
    elsewhere.close();
    expect(box.formBytes(3, 12, false, false, false, known)).toBe(first);
    // Without the snapshot's name: read again in a transaction.
    expect(box.formBytes(3, 12, false, false, false)).not.toBe(first);
    box.close();
  });

  it('are never those of another index, whatever name the caller gives', async () => {
    store.createMailbox('user.fred');
    store.createMailbox('user.fred.Other');
    await fill(store, 'user.fred', 20);
    await fill(store, 'user.fred.Other', 20);
    const box = store.openMailbox('user.fred');
    const known = { uniqueId: box.uniqueId, uidValidity: box.snapshot('fred').uidValidity };
    expect(box.formBytes(3, 12, false, false, false, known).envelopes.toString('latin1')).toContain('user.fred m3');
    const other = store.openMailbox('user.fred.Other');
    const forms = other.formBytes(3, 12, false, false, false, known);
    expect(forms.envelopes.toString('latin1')).toContain('user.fred.Other m3');
    expect(forms.envelopes.toString('latin1')).not.toContain('user.fred m3');
    other.close();
    box.close();
  });

  it('keep nothing for a range that reaches uidnext: later messages show', async () => {
    store.createMailbox('user.fred');
    await fill(store, 'user.fred', 5);
    const box = store.openMailbox('user.fred');
    const known = { uniqueId: box.uniqueId, uidValidity: box.snapshot('fred').uidValidity };
    expect(box.formBytes(3, 8, false, false, false, known).count).toBe(3);
    const elsewhere = env.open();
    await fill(elsewhere, 'user.fred', 5);
    elsewhere.close();
    const later = box.formBytes(3, 8, false, false, false, known);
    expect(later.count).toBe(6);
    expect(later.envelopes.toString('latin1')).toContain('user.fred m3');
    box.close();
  });
});
