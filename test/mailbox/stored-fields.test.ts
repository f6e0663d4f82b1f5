/**
 * Issues 15 and 16: what the index stores at append so that big mailboxes need no parsing or
 * scanning: the message_fields rows (SORT keys, THREAD links, SEARCH field text), the mailbox
 * row's counters kept by triggers, the per-process STATUS answers, and the upgrade of an index
 * made before them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, withIndexFile, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('expunge_mode: immediate');
  store = env.open();
});
afterEach(() => env.cleanup());

function mail(headers: string[], body = 'Hello.\r\n'): Buffer {
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}`);
}

const CORPUS = [
  mail(['From: "Zoe Z" <zoe@example.com>', 'To: Bob <bob@example.org>', 'Subject: Re: [list] Lunch (fwd)', 'Date: Tue, 2 Jan 2024 10:00:00 +0000', 'Message-ID: <b@x>', 'In-Reply-To: <a@x>']),
  mail(['From: alice (the boss) @ example.com', 'To: carol@example.net', 'Subject: =?UTF-8?Q?Caf=C3=A9?= talk', 'Date: Mon, 1 Jan 2024 10:00:00 +0000', 'Message-ID: <a@x>']),
  mail(['From: Mike <mike@example.com>', 'Cc: Dave <dave@example.com>', 'Subject: lunch', 'Message-ID: <c@x>', 'References: <a@x> <b@x>']),
];

/** The counter columns against the records they count. */
function counters(dir: string): { row: unknown; actual: unknown } {
  return withIndexFile(dir, (db) => ({
    row: db.prepare('SELECT messages_count AS n, messages_size AS size, messages_deleted AS deleted, messages_flagged AS flagged, messages_seen AS seen FROM mailbox').get(),
    actual: db.prepare('SELECT count(*) AS n, ifnull(sum(size), 0) AS size, count(*) FILTER (WHERE flags & 4) AS deleted, count(*) FILTER (WHERE flags & 2) AS flagged, count(*) FILTER (WHERE flags & 16) AS seen FROM messages').get(),
  }));
}

describe('message_fields', () => {
  it('stores sort keys, thread links and normalised search text at append', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append(CORPUS.map((content) => ({ content })));
    const rows = withIndexFile(box.path, (db) => db.prepare('SELECT * FROM message_fields ORDER BY uid').all()) as Array<Record<string, unknown>>;
    expect(rows[0]).toMatchObject({ base_subject: 'lunch', reply_or_forward: 1, from_mailbox: 'zoe', display_from: 'zoe z', to_mailbox: 'bob', in_reply_to: '<a@x>', search_cc: null });
    expect(rows[1]).toMatchObject({ base_subject: 'cafe talk'.replace('e', 'é'), from_mailbox: 'alice', display_from: 'the boss' });
    // The address written with a comment inside the addr-spec is found as alice@example.com too.
    expect(String(rows[1]!.search_from).split('\n')).toContain('alice@example.com');
    expect(rows[1]!.search_subject).toBe('cafe talk');
    expect(rows[2]).toMatchObject({ refs: '<a@x> <b@x>', sent: null, sent_day: null, search_cc: expect.stringContaining('dave@example.com') });
    expect(Array.from(box.fields.sortedUids([{ key: 'subject', reverse: false }]))).toEqual([2, 1, 3]);
    expect(Array.from(box.fields.sortedUids([{ key: 'from', reverse: true }]))).toEqual([1, 3, 2]);
    expect(Array.from(box.fields.searchField('from', 'alice@example.com'))).toEqual([2]);
    expect(Array.from(box.fields.searchField('cc', ''))).toEqual([3]);
    // The rows go with their messages.
    box.setFlags([1], 'add', ['\\Deleted']);
    box.expunge();
    expect(withIndexFile(box.path, (db) => db.prepare('SELECT uid FROM message_fields').pluck().all())).toEqual([2, 3]);
    box.close();
  });
});

describe('mailbox row counters', () => {
  it('follow appends, flag changes and expunges in the same transaction', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append(CORPUS.map((content, i) => ({ content, flags: i === 0 ? ['\\Deleted', '\\Flagged'] : [] })));
    box.setFlags([2, 3], 'add', ['\\Flagged']);
    box.setFlags([3], 'replace', ['\\Deleted']);
    expect(box.expunge({ uids: [1] })).toEqual([1]);
    const { row, actual } = counters(box.path);
    expect(row).toEqual(actual);
    expect(row).toMatchObject({ n: 2, deleted: 1, flagged: 1 });
    box.close();
  });

  it('count \\Seen records of a sharedseen mailbox for STATUS UNSEEN', async () => {
    store.createMailbox('shared', { sharedSeen: true });
    const box = store.openMailbox('shared');
    expect(box.sharedSeen).toBe(true);
    await box.append(CORPUS.map((content) => ({ content })));
    box.setFlags([1, 2], 'add', ['\\Seen']);
    expect(box.status('fred').unseen).toBe(1);
    box.close();
  });
});

describe('STATUS answers kept per process', () => {
  it('read no seen state while the row is unchanged, and follow another process changing \\Seen', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append(CORPUS.map((content) => ({ content })));
    // joe reads user.fred through an ACL: his \Seen is in seen.db (fred's is the records' bit).
    expect(box.status('joe')).toMatchObject({ messages: 3, unseen: 3 });
    const seen = (box as unknown as { ctx: { seen: { seen: (...a: unknown[]) => unknown } } }).ctx.seen;
    const original = seen.seen;
    let reads = 0;
    seen.seen = (...a: unknown[]) => {
      reads++;
      return original.apply(seen, a);
    };
    try {
      expect(box.status('joe', { deleted: true })).toMatchObject({ messages: 3, unseen: 3, deleted: 0 });
      expect(box.status('joe').deleted).toBeNull();
      expect(reads).toBe(0);
      // Another process (its own store and handle) marks a message seen: the row moves, the answer follows.
      const other = env.open();
      const theirs = other.openMailbox('user.fred');
      theirs.setFlags([2], 'add', ['\\Seen'], { userid: 'joe' });
      theirs.close();
      other.close();
      expect(box.status('joe')).toMatchObject({ messages: 3, unseen: 2 });
      expect(reads).toBe(1);
      // The owner's UNSEEN is the row's counters: no seen state read at all.
      expect(box.status('fred')).toMatchObject({ messages: 3, unseen: 3 });
      expect(reads).toBe(1);
    } finally {
      seen.seen = original;
    }
    box.close();
  });
});

describe('an index made by the previous version', () => {
  it('gets its counters counted and its message_fields filled on open', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const dir = box.path;
    await box.append(CORPUS.map((content, i) => ({ content, flags: i === 2 ? ['\\Deleted'] : [] })));
    box.close();
    // Version 5: no message_fields, no counter columns or triggers.
    withIndexFile(dir, (db) => {
      db.exec('DROP TRIGGER message_fields_follow_cache; DROP TABLE message_fields; DROP TRIGGER count_inserted; DROP TRIGGER count_deleted; DROP TRIGGER count_updated');
      for (const c of ['messages_count', 'messages_size', 'messages_deleted', 'messages_flagged', 'messages_seen']) db.exec(`ALTER TABLE mailbox DROP COLUMN ${c}`);
      db.pragma('user_version = 5');
    });
    // Opened by a process of the new version (this one keeps its idle handle of the old file open).
    const reopened = env.open().openMailbox('user.fred');
    expect(reopened.status('fred', { deleted: true })).toMatchObject({ messages: 3, deleted: 1, unseen: 3 });
    expect(Array.from(reopened.fields.sortedUids([{ key: 'subject', reverse: false }]))).toEqual([2, 1, 3]);
    await reopened.append([{ content: CORPUS[0]! }]);
    const { row, actual } = counters(dir);
    expect(row).toEqual(actual);
    expect(withIndexFile(dir, (db) => db.prepare('SELECT count(*) FROM message_fields').pluck().get())).toBe(4);
    reopened.close();
  });
});
