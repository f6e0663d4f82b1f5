// The tests and fileinto tags that ask about the user's mailboxes: mboxmetadata and servermetadata
// (RFC 5490), special-use (RFC 8579), mailboxid (RFC 9042). The language asks the environment.
import { describe, expect, it } from 'vitest';
import type { SieveEnvironment } from '../../src/sieve-script/index.js';
import { compileError, environment, message, outcome } from './helpers.js';

const msg = message(['From: a@example.org', 'Subject: s']);
const annotations: Record<string, string> = {
  'INBOX /private/comment': 'my inbox',
  'Lists /shared/comment': 'mailing lists',
  ' /shared/admin': 'mailto:postmaster@example.com',
};
const asked: string[] = [];
const env: SieveEnvironment = environment({
  metadata: (mailbox, entry) => {
    asked.push(`${mailbox ?? ''} ${entry}`);
    return annotations[`${mailbox ?? ''} ${entry}`] ?? null;
  },
  hasSpecialUse: (mailbox, uses) => (mailbox === null || mailbox === 'Spam') && uses.every((u) => u === '\\Junk' || (mailbox === null && u === '\\Sent')),
  mailboxIdExists: (id) => id === 'f4d5c6e7-0000-4000-8000-000000000001',
});
const run = (source: string) => outcome(`require ["mboxmetadata", "servermetadata", "special-use", "mailboxid", "fileinto", "variables"];\n${source}`, msg, env);

describe('metadata and servermetadata', () => {
  it.each([
    ['metadata of a mailbox', 'if metadata "INBOX" "/private/comment" "my inbox" { fileinto "Hit"; }', ['Hit']],
    ['with a match type', 'if metadata :contains "Lists" "/shared/comment" "lists" { fileinto "Hit"; }', ['Hit']],
    ['an entry not there is false', 'if metadata :contains "INBOX" "/shared/comment" "" { fileinto "Hit"; }', ['keep']],
    ['metadataexists', 'if metadataexists "INBOX" ["/private/comment"] { fileinto "Hit"; }', ['Hit']],
    ['metadataexists needs every entry', 'if metadataexists "INBOX" ["/private/comment", "/shared/comment"] { fileinto "Hit"; }', ['keep']],
    ['servermetadata', 'if servermetadata :matches "/shared/admin" "mailto:*" { fileinto "${1}"; }', ['postmaster@example.com']],
    ['servermetadataexists', 'if servermetadataexists "/shared/admin" { fileinto "Hit"; }', ['Hit']],
    ['servermetadataexists, missing', 'if servermetadataexists ["/shared/admin", "/shared/motd"] { fileinto "Hit"; }', ['keep']],
  ])('%s', (_name, source, names) => {
    const out = run(source);
    expect(out.error).toBeNull();
    expect(out.names).toEqual(names);
  });

  it('asks for the mailbox and entry the script wrote, variables expanded', () => {
    asked.length = 0;
    run('set "b" "Lists"; if metadata "${b}" "/shared/comment" "x" { keep; }');
    expect(asked).toEqual(['Lists /shared/comment']);
  });

  it.each([
    ['if metadata "INBOX" "/private/comment" "x" { keep; }', /"metadata" needs require "mboxmetadata"/, 'fileinto'],
    ['if servermetadataexists "/shared/admin" { keep; }', /"servermetadataexists" needs require "servermetadata"/, 'mboxmetadata'],
    ['if metadata "INBOX" "/comment" "x" { keep; }', /"\/comment" is not an annotation name/, 'mboxmetadata'],
    ['if metadataexists "INBOX" "/shared/*" { keep; }', /is not an annotation name/, 'mboxmetadata'],
    ['if servermetadata "INBOX" "/shared/admin" "x" { keep; }', /expected 2 arguments/, 'servermetadata'],
  ])('checks %s', (source, error, ext) => {
    expect(compileError(`require "${ext}";\n${source}`)).toMatch(error);
  });
});

describe('special-use', () => {
  it('fileinto :specialuse carries the use for the caller to resolve', () => {
    expect(run('fileinto :specialuse "\\\\Junk" "Spam";').actions).toEqual([{ type: 'fileinto', mailbox: 'Spam', flags: null, create: false, specialUse: '\\Junk' }]);
  });

  it('a bad use built from variables is a runtime error', () => {
    expect(run('set "u" "Junk"; fileinto :specialuse "${u}" "Spam";').error).toMatch(/"Junk" is not a special-use attribute/);
  });

  it.each([
    ['if specialuse_exists "\\\\Junk" { fileinto "Hit"; }', ['Hit']],
    ['if specialuse_exists ["\\\\Junk", "\\\\Sent"] { fileinto "Hit"; }', ['Hit']],
    ['if specialuse_exists "\\\\Drafts" { fileinto "Hit"; }', ['keep']],
    ['if specialuse_exists "Spam" "\\\\Junk" { fileinto "Hit"; }', ['Hit']],
    ['if specialuse_exists "Spam" ["\\\\Junk", "\\\\Sent"] { fileinto "Hit"; }', ['keep']],
  ])('%s', (source, names) => {
    expect(run(source).names).toEqual(names);
  });

  it.each([
    ['fileinto :specialuse "\\\\Junk" "Spam";', /:specialuse needs require "special-use"/, 'fileinto'],
    ['fileinto :specialuse "Junk" "Spam";', /"Junk" is not a special-use attribute/, 'special-use'],
    ['if specialuse_exists "\\\\Junk" { keep; }', /"specialuse_exists" needs require "special-use"/, 'fileinto'],
    ['if specialuse_exists "Spam" "Junk" { keep; }', /"Junk" is not a special-use attribute/, 'special-use'],
  ])('checks %s', (source, error, ext) => {
    expect(compileError(`require ["fileinto", "${ext}"];\n${source}`)).toMatch(error);
  });
});

describe('mailboxid', () => {
  it('fileinto :mailboxid carries the id for the caller to resolve', () => {
    expect(run('fileinto :mailboxid "abc" "Lists";').actions).toEqual([{ type: 'fileinto', mailbox: 'Lists', flags: null, create: false, mailboxId: 'abc' }]);
  });

  it.each([
    ['if mailboxidexists "f4d5c6e7-0000-4000-8000-000000000001" { fileinto "Hit"; }', ['Hit']],
    ['if mailboxidexists ["f4d5c6e7-0000-4000-8000-000000000001", "nope"] { fileinto "Hit"; }', ['keep']],
  ])('%s', (source, names) => {
    expect(run(source).names).toEqual(names);
  });

  it.each([
    ['fileinto :mailboxid "x" "Lists";', /:mailboxid needs require "mailboxid"/, 'fileinto'],
    ['if mailboxidexists "x" { keep; }', /"mailboxidexists" needs require "mailboxid"/, 'fileinto'],
    ['fileinto :mailboxid ["a", "b"] "Lists";', /:mailboxid needs a string/, 'mailboxid'],
  ])('checks %s', (source, error, ext) => {
    expect(compileError(`require ["fileinto", "${ext}"];\n${source}`)).toMatch(error);
  });
});
