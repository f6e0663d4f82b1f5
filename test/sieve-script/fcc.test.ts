// fcc (RFC 8580) on vacation and notify: where a copy of what is sent is stored.
import { describe, expect, it } from 'vitest';
import { compileError, environment, message, outcome } from './helpers.js';

const msg = message(['From: boss@example.org', 'To: me@example.com', 'Subject: s', 'Message-ID: <1@example.org>']);
const run = (source: string) => outcome(`require ["vacation", "enotify", "fcc", "imap4flags", "mailbox", "special-use", "mailboxid", "variables"];\n${source}`, msg, environment());

describe('fcc', () => {
  it('vacation carries the fcc with its flags, :create, :specialuse and :mailboxid, variables expanded', () => {
    const out = run('set "box" "Sent"; vacation :fcc "${box}" :flags ["\\\\seen", "$Auto"] :create :specialuse "\\\\Sent" :mailboxid "id1" "Away.";');
    expect(out.error).toBeNull();
    expect(out.actions[0]).toMatchObject({ type: 'vacation', fcc: { mailbox: 'Sent', create: true, flags: ['\\Seen', '$Auto'], specialUse: '\\Sent', mailboxId: 'id1' } });
  });

  it('notify carries it too, with no flags when none are given; without :fcc there is none', () => {
    expect(run('notify :fcc "Notes" "mailto:a@example.net";').actions[0]).toMatchObject({ type: 'notify', fcc: { mailbox: 'Notes', create: false, flags: [] } });
    expect(run('notify "mailto:a@example.net";').actions[0]).not.toHaveProperty('fcc');
  });

  it.each([
    ['vacation :fcc "Sent" "x";', /:fcc needs require "fcc"/, '"vacation"'],
    ['vacation :create "x";', /vacation: :create needs :fcc/, '"vacation", "fcc", "mailbox"'],
    ['notify :flags "\\\\Seen" "mailto:a@example.net";', /notify: :flags needs :fcc/, '"enotify", "fcc", "imap4flags"'],
    ['vacation :fcc "Sent" :create "x";', /:create needs require "mailbox"/, '"vacation", "fcc"'],
    ['vacation :fcc "Sent" :specialuse "Sent" "x";', /:specialuse "Sent" is not a special-use attribute/, '"vacation", "fcc", "special-use"'],
    ['vacation :fcc ["a", "b"] "x";', /:fcc needs a string/, '"vacation", "fcc"'],
  ])('checks %s', (source, error, exts) => {
    expect(compileError(`require [${exts}];\n${source}`)).toMatch(error);
  });
});
