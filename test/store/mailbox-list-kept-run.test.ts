// The kept mailboxes.db answers read the database's change marks once per run of code (until the
// microtasks after it) while this process writes nothing to mailboxes.db (MailboxList.keptNow): a
// commit by another process is seen from the next run on, and a write through any MailboxList of
// this process at once.
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MailboxList, type MailboxEntry } from '../../src/store/mailbox-list.js';

let dir: string;
let here: MailboxList;
let other: MailboxList;
/** Another process's connection: its writes are not this process's. */
let raw: Database.Database;

function entry(name: string): MailboxEntry {
  return { name, uniqueId: `u-${name}`, partition: 'default', acl: 'fred\tlrs\t', type: [], server: null, createdModseq: 1, modifiedModseq: 1, uidValidity: 1, specialUse: null, quotaRoot: null };
}

const names = (entries: readonly MailboxEntry[]) => entries.map((e) => e.name);

beforeEach(() => {
  dir = fs.mkdtempSync(join(os.tmpdir(), 'cyrusts-list-run-'));
  here = new MailboxList(join(dir, 'mailboxes.db'), false);
  other = new MailboxList(join(dir, 'mailboxes.db'), false);
  for (const name of ['user.fred', 'user.fred.Sent']) here.insert(entry(name));
  raw = new Database(join(dir, 'mailboxes.db'));
});
afterEach(() => {
  raw.close();
  here.close();
  other.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A new mailbox row written as another process would (mailbox_lookup left alone: no ACL lookup here). */
function insertElsewhere(name: string): void {
  raw.prepare('INSERT INTO mailboxes (name, uniqueid, partition, acl, type, server, created_modseq, modified_modseq, uidvalidity, special_use, quota_root) VALUES (?, ?, ?, ?, 0, NULL, 1, 1, 1, NULL, NULL)')
    .run(name, `u-${name}`, 'default', 'fred\tlrs\t');
}

describe('mailboxes.db change marks once per run of code', () => {
  it("sees another process's commit from the next run of code on", async () => {
    expect(here.get('user.fred.Drafts')).toBeNull();
    expect(names(here.list('user.fred.*'))).toEqual(['user.fred.Sent']);
    await Promise.resolve();
    insertElsewhere('user.fred.Drafts');
    // a new run of code (another command): the marks are read again
    await new Promise((resolve) => setImmediate(resolve));
    expect(here.get('user.fred.Drafts')?.uniqueId).toBe('u-user.fred.Drafts');
    expect(names(here.list('user.fred.*'))).toEqual(['user.fred.Drafts', 'user.fred.Sent']);
    insertElsewhere('user.fred.Trash');
    await Promise.resolve();
    await Promise.resolve();
    expect(names(here.list('user.fred.*'))).toEqual(['user.fred.Drafts', 'user.fred.Sent', 'user.fred.Trash']);
  });

  it("sees this process's writes at once, through this list or another", () => {
    expect(here.get('user.fred.Notes')).toBeNull();
    expect(names(here.list('user.fred.*'))).toEqual(['user.fred.Sent']);
    other.insert(entry('user.fred.Notes'));
    expect(here.get('user.fred.Notes')?.name).toBe('user.fred.Notes');
    here.remove('user.fred.Notes');
    expect(here.get('user.fred.Notes')).toBeNull();
    expect(other.get('user.fred.Notes')).toBeNull();
    other.write('test', () => other.insert(entry('user.fred.Junk')));
    expect(names(here.list('user.fred.*'))).toEqual(['user.fred.Junk', 'user.fred.Sent']);
  });
});
