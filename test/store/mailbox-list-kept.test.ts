// mailboxes.db answers kept per connection (MailboxList.get and list): a change committed by
// another connection (another process, another MailboxList on the file) or by this one is seen
// at once, and a write that rolls back leaves nothing kept.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MailboxList, type MailboxEntry } from '../../src/store/mailbox-list.js';

let dir: string;
let here: MailboxList;
let other: MailboxList;

function entry(name: string, acl = 'fred\tlrs\t'): MailboxEntry {
  return { name, uniqueId: `u-${name}`, partition: 'default', acl, type: [], server: null, createdModseq: 1, modifiedModseq: 1, uidValidity: 1, specialUse: null, quotaRoot: null };
}

const names = (entries: readonly MailboxEntry[]) => entries.map((e) => e.name);
const byAcl = { childHints: true, lookup: { identifiers: ['joe', 'anyone'], domain: null } };

beforeEach(() => {
  dir = fs.mkdtempSync(join(os.tmpdir(), 'cyrusts-list-kept-'));
  here = new MailboxList(join(dir, 'mailboxes.db'), false);
  other = new MailboxList(join(dir, 'mailboxes.db'), false);
  for (const name of ['user.fred', 'user.fred.Sent', 'user.joe']) here.insert(entry(name));
});
afterEach(() => {
  here.close();
  other.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('kept mailboxes.db answers', () => {
  it('see what another connection committed', () => {
    expect(here.get('user.fred.Drafts')).toBeNull();
    expect(names(here.list('user.fred.*'))).toEqual(['user.fred.Sent']);
    expect(names(here.list('user.*', byAcl))).toEqual([]);
    // the same answers again (kept), then another connection changes the file
    expect(here.get('user.fred.Drafts')).toBeNull();
    expect(names(here.list('user.fred.*'))).toEqual(['user.fred.Sent']);
    other.insert(entry('user.fred.Drafts'));
    other.put({ ...entry('user.fred.Sent'), acl: 'fred\tlrs\tjoe\tlr\t' });
    expect(here.get('user.fred.Drafts')?.uniqueId).toBe('u-user.fred.Drafts');
    expect(names(here.list('user.fred.*'))).toEqual(['user.fred.Drafts', 'user.fred.Sent']);
    expect(names(here.list('user.*', byAcl))).toEqual(['user.fred.Sent']);
    expect(here.get('user.fred.Sent')?.acl).toBe('fred\tlrs\tjoe\tlr\t');
    other.remove('user.fred.Drafts');
    expect(here.get('user.fred.Drafts')).toBeNull();
    expect(names(here.list('user.fred.*'))).toEqual(['user.fred.Sent']);
  });

  it('see what this connection wrote, and nothing of a write rolled back', () => {
    expect(here.get('user.fred.Trash')).toBeNull();
    expect(names(here.list('*'))).toEqual(['user.fred', 'user.fred.Sent', 'user.joe']);
    here.insert(entry('user.fred.Trash'));
    expect(here.get('user.fred.Trash')?.name).toBe('user.fred.Trash');
    expect(names(here.list('*'))).toEqual(['user.fred', 'user.fred.Sent', 'user.fred.Trash', 'user.joe']);
    // a write transaction of several steps (as a create or rename makes)
    expect(here.get('user.fred.Notes')).toBeNull();
    here.write('test', () => {
      here.insert(entry('user.fred.Notes'));
      here.nextCounter('modseq');
    });
    expect(here.get('user.fred.Notes')?.name).toBe('user.fred.Notes');
    here.remove('user.fred.Notes');
    expect(here.get('user.fred.Junk')).toBeNull();
    expect(() => here.write('test', () => {
      here.insert(entry('user.fred.Junk'));
      // inside the transaction the new entry is there
      expect(here.get('user.fred.Junk')?.name).toBe('user.fred.Junk');
      expect(names(here.list('user.fred.*'))).toEqual(['user.fred.Junk', 'user.fred.Sent', 'user.fred.Trash']);
      throw new Error('rolled back');
    })).toThrow('rolled back');
    expect(here.get('user.fred.Junk')).toBeNull();
    expect(names(here.list('user.fred.*'))).toEqual(['user.fred.Sent', 'user.fred.Trash']);
    expect(other.get('user.fred.Junk')).toBeNull();
  });

  it('hands out frozen entries, and a list the caller may sort', () => {
    here.get('user.fred');
    const kept = here.get('user.fred')!;
    expect(Object.isFrozen(kept)).toBe(true);
    expect(() => {
      (kept as { acl: string }).acl = 'anyone\tlrswipkxtecdan\t';
    }).toThrow(TypeError);
    here.list('*');
    const list = here.list('*');
    list.reverse();
    expect(names(here.list('*'))).toEqual(['user.fred', 'user.fred.Sent', 'user.joe']);
  });
});
