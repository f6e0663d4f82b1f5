/**
 * Per-message annotations in the mailbox's index (RFC 5257 storage): an index from before them
 * gets the table on open; setAnnotations is all or nothing with one new modseq; the limits.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { MAX_ANNOTATIONS_PER_MESSAGE, reconstructMailbox } from '../../src/mailbox/index.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, withIndexFile, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('expunge_mode: immediate');
  store = env.open();
});
afterEach(() => env.cleanup());

describe('message annotations', () => {
  it('an index from before them (version 10) gets the table when opened', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const dir = box.path;
    await box.append([{ content: message('a') }]);
    box.close();
    withIndexFile(dir, (db) => {
      db.exec('DROP TABLE message_annotations');
      db.pragma('user_version = 10');
    });
    const reopened = env.open().openMailbox('user.fred');
    try {
      const result = await reopened.setAnnotations([1], [{ entry: '/comment', shared: true, value: 'hi' }], { userid: 'fred' });
      expect(result.changed.map((r) => r.uid)).toEqual([1]);
      expect(reopened.annotations([1], 'fred').get(1)?.get('/comment')).toEqual({ shared: 'hi', priv: null });
    } finally {
      reopened.close();
    }
    expect(withIndexFile(dir, (db) => db.pragma('user_version', { simple: true }))).toBe(11);
  });

  it('one new modseq for the messages that change; an unchanged value changes nothing', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    try {
      await box.append([{ content: message('a') }, { content: message('b') }]);
      const before = box.status().highestModseq;
      const first = await box.setAnnotations([1, 2], [{ entry: '/comment', shared: false, value: 'x' }], { userid: 'fred' });
      expect(first.changed.map((r) => [r.uid, r.modseq])).toEqual([[1, before + 1], [2, before + 1]]);
      const again = await box.setAnnotations([1, 2], [{ entry: '/comment', shared: false, value: 'x' }], { userid: 'fred' });
      expect(again.changed).toEqual([]);
      expect(box.status().highestModseq).toBe(before + 1);
    } finally {
      box.close();
    }
  });

  it('TOOMANY refuses the whole change; APPEND can start a message with annotations', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    try {
      await box.append([{ content: message('a'), annotations: [{ entry: '/comment', userid: '', value: 'start' }] }]);
      expect(box.annotations([1], 'fred').get(1)?.get('/comment')).toEqual({ shared: 'start', priv: null });
      const many = Array.from({ length: MAX_ANNOTATIONS_PER_MESSAGE }, (_, i) => ({ entry: `/vendor/x/${i}`, shared: false, value: 'v' }));
      await expect(box.setAnnotations([1], many, { userid: 'fred' })).rejects.toMatchObject({ kind: 'Limit', detail: { responseCode: 'ANNOTATE TOOMANY' } });
      expect([...box.annotations([1], 'fred').get(1)!.keys()]).toEqual(['/comment']);
      await expect(box.append([{ content: message('b'), annotations: [{ entry: '/flags/x', userid: '', value: 'no' }] }])).rejects.toMatchObject({ kind: 'NoPerm' });
      expect(box.status().messages).toBe(1);
    } finally {
      box.close();
    }
  });

  it('reconstruct dropping a record whose file is gone drops its annotations too', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    try {
      const shared = [{ entry: '/comment', userid: '', value: 'c' }];
      await box.append([{ content: message('a'), annotations: shared }, { content: message('b'), annotations: shared }]);
      rmSync(box.messagePath(1));
      expect(reconstructMailbox(store, 'user.fred').dropped).toEqual([1]);
      expect([...box.annotations([1, 2], 'fred').keys()]).toEqual([2]);
    } finally {
      box.close();
    }
  });
});
