/**
 * The ENVELOPE / BODYSTRUCTURE bytes of UID ranges kept per process (src/mailbox/form-cache.ts,
 * mailbox.formBytes(..., keep)): a range is kept only when no later message can join it (its last
 * UID below uidnext when read), and never serves another mailbox, nor the same name deleted and
 * made again. "Another connection" is a second MailStore on the same directory (as another imapd
 * process would be): appends through it must show in ranges read afterwards.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dropKeptForms, keptFormBytes } from '../../src/mailbox/form-cache.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

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

async function fill(name: string, from: number, to: number, elsewhere = false, label = name): Promise<void> {
  const s = elsewhere ? env.open() : store;
  const box = s.openMailbox(name);
  const items = [];
  for (let i = from; i <= to; i++) items.push({ content: message(`${label} m${i}`) });
  await box.append(items, { userid: 'fred' });
  box.close();
}

/** The ENVELOPE bytes of row r. */
function envelopeOf(forms: ReturnType<ReturnType<MailStore['openMailbox']>['formBytes']>, r: number): string {
  return forms.envelopes.subarray(forms.envelopeAt[r]!, forms.envelopeAt[r + 1]!).toString('latin1');
}

describe('kept form bytes', () => {
  it('keeps a range below uidnext and hands it out again', async () => {
    store.createMailbox('user.fred');
    await fill('user.fred', 1, 20);
    const box = store.openMailbox('user.fred');
    const first = box.formBytes(1, 20, false, true);
    expect(first.count).toBe(20);
    expect(keptFormBytes()).toBeGreaterThan(0);
    expect(box.formBytes(1, 20, false, true)).toBe(first);
    // without keep: read again, nothing kept for BODYSTRUCTURE
    expect(box.formBytes(1, 20, false)).not.toBe(first);
    const withBody = box.formBytes(1, 20, true, true);
    expect(withBody).not.toBe(first);
    expect(withBody.bodyStructures).not.toBeNull();
    expect(box.formBytes(1, 20, true, true)).toBe(withBody);
    box.close();
  });

  it('does not keep a range that reaches uidnext: later messages show', async () => {
    store.createMailbox('user.fred');
    await fill('user.fred', 1, 10);
    const box = store.openMailbox('user.fred');
    const early = box.formBytes(5, 15, false, true);
    expect(early.count).toBe(6);
    // appended through another store (another process's connection)
    await fill('user.fred', 11, 20, true);
    const later = box.formBytes(5, 15, false, true);
    expect(later.count).toBe(11);
    expect(envelopeOf(later, 10)).toContain('user.fred m15');
    // now below uidnext: kept
    expect(box.formBytes(5, 15, false, true)).toBe(later);
    box.close();
  });

  it('serves neither another mailbox nor one made again under the same name', async () => {
    store.createMailbox('user.fred');
    store.createMailbox('user.fred.Other');
    await fill('user.fred', 1, 10);
    await fill('user.fred.Other', 1, 10);
    const box = store.openMailbox('user.fred');
    const other = store.openMailbox('user.fred.Other');
    expect(envelopeOf(box.formBytes(1, 10, false, true), 0)).toContain('user.fred m1');
    expect(envelopeOf(other.formBytes(1, 10, false, true), 0)).toContain('user.fred.Other m1');
    box.close();
    other.close();
    store.deleteMailbox('user.fred.Other');
    store.createMailbox('user.fred.Other');
    await fill('user.fred.Other', 1, 10, false, 'made again');
    const again = store.openMailbox('user.fred.Other');
    const forms = again.formBytes(1, 10, false, true);
    expect(forms.count).toBe(10);
    expect(envelopeOf(forms, 0)).toContain('made again m1');
    again.close();
  });
});
