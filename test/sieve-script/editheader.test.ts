// editheader (RFC 5293): addheader / deleteheader, what later tests see, the edited header block.
import { describe, expect, it } from 'vitest';
import { compileSieve, runSieve, type SieveEnvironment, type SieveMessage } from '../../src/sieve-script/index.js';

const lines = [
  'Received: from a by b',
  'From: Fred <fred@example.org>',
  'X-Tag: one',
  'Subject: hello',
  'X-Tag: two',
  'X-Tag: three',
  'X-Long: folded',
  '  continued',
  'Auto-Submitted: auto-generated',
];
function message(headerLines: string[] = lines): SieveMessage {
  const header = Buffer.from(`${headerLines.join('\r\n')}\r\n\r\n`);
  return { header, content: Buffer.concat([header, Buffer.from('Body.\r\n')]), size: header.length + 7 };
}
const env: SieveEnvironment = { envelopeFrom: 'a@example.org', envelopeTo: 'me@example.com', userAddresses: [], mailboxExists: () => true };

function run(source: string) {
  const r = compileSieve(`require ["editheader", "fileinto", "variables", "regex"];\n${source}`);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return runSieve(r.script, message(), env);
}
/** The header lines after the script, without the final blank line. */
function headerAfter(source: string): string[] | null {
  const out = run(source);
  if (out.error !== null) throw new Error(out.error);
  return out.header === undefined ? null : out.header.toString('latin1').replace(/\r\n\r\n$/, '').split('\r\n');
}
const without = (...drop: string[]) => lines.filter((l) => !drop.includes(l));

describe('editheader', () => {
  it.each([
    ['no edit: no header', 'keep;', null],
    ['addheader puts the field first', 'addheader "X-Sieve" "yes";', ['X-Sieve: yes', ...lines]],
    ['addheader :last puts it last', 'addheader :last "X-Sieve" "yes";', [...lines, 'X-Sieve: yes']],
    ['addheader encodes non-ASCII text', 'addheader "X-Note" "café";', ['X-Note: =?UTF-8?B?Y2Fmw6k=?=', ...lines]],
    ['addheader expands variables', 'set "v" "7"; addheader "X-V" "v=${v}";', ['X-V: v=7', ...lines]],
    ['deleteheader deletes every field of the name', 'deleteheader "x-tag";', without('X-Tag: one', 'X-Tag: two', 'X-Tag: three')],
    ['deleteheader :index', 'deleteheader :index 2 "X-Tag";', without('X-Tag: two')],
    ['deleteheader :index :last', 'deleteheader :index 1 :last "X-Tag";', without('X-Tag: three')],
    ['deleteheader :index past the end', 'deleteheader :index 9 "X-Tag";', lines],
    ['deleteheader with value patterns', 'deleteheader :matches "X-Tag" ["t*", "nothing"];', without('X-Tag: two', 'X-Tag: three')],
    ['deleteheader :index with a pattern that does not match that one', 'deleteheader :index 1 :contains "X-Tag" "two";', lines],
    ['deleteheader :regex', 'deleteheader :regex "X-Tag" "^(one|three)$";', without('X-Tag: one', 'X-Tag: three')],
    ['deleteheader takes the continuation lines too', 'deleteheader "X-Long";', without('X-Long: folded', '  continued')],
    ['Received is protected', 'deleteheader "Received"; addheader "Received" "forged";', null],
    ['Auto-Submitted is protected', 'deleteheader "auto-submitted"; addheader :last "Auto-Submitted" "no"; addheader "X-A" "1";', ['X-A: 1', ...lines]],
  ])('%s', (_name, source, expected) => {
    expect(headerAfter(source)).toEqual(expected);
  });

  it('later tests see the edits', () => {
    const out = run([
      'addheader "X-Added" "added value";',
      'deleteheader "Subject";',
      'if header :is "x-added" "added value" { fileinto "Seen"; }',
      'if not exists "subject" { fileinto "NoSubject"; }',
      'if header :contains "subject" "hello" { fileinto "StillThere"; }',
    ].join('\n'));
    expect(out.error).toBeNull();
    expect(out.actions.map((a) => (a.type === 'fileinto' ? a.mailbox : a.type))).toEqual(['Seen', 'NoSubject']);
  });

  it('a failed script gives no edited header (the received message is kept)', () => {
    const out = run('addheader "X-A" "b"; set "x" "bad"; redirect "${x}";');
    expect(out.error).not.toBeNull();
    expect(out.header).toBeUndefined();
  });

  it('keeps bytes that are not UTF-8 as they came', () => {
    const header = Buffer.concat([Buffer.from('Subject: caf'), Buffer.from([0xe9]), Buffer.from('\r\nX-A: 1\r\n\r\n')]);
    const r = compileSieve('require "editheader"; deleteheader "x-a";');
    if (!r.ok) throw new Error(r.errors[0]);
    const out = runSieve(r.script, { header, content: header, size: header.length }, env);
    expect(out.header).toEqual(Buffer.concat([Buffer.from('Subject: caf'), Buffer.from([0xe9]), Buffer.from('\r\n\r\n')]));
  });

  it.each([
    ['addheader "X-A" "b";', null],
    ['addheader "bad name" "b";', /addheader: invalid header name "bad name"/],
    ['deleteheader :last "X-A";', /:last needs :index/],
    ['deleteheader :index 0 "X-A";', /:index counts from 1/],
    ['deleteheader ["a", "b"] "x";', /must be a string, not a string list/],
    ['deleteheader :regex "X-A" "\\\\d";', /:regex "\\d"/],
    ['deleteheader :count "eq" "X-A" "1";', /:count cannot be used/],
  ])('compiles %s', (source, error) => {
    const r = compileSieve(`require ["editheader", "regex", "relational"];\n${source}`);
    if (error === null) expect(r.ok).toBe(true);
    else expect(r.ok ? '' : r.errors.join('\n')).toMatch(error);
  });

  it('needs require "editheader"', () => {
    const r = compileSieve('addheader "X-A" "b";');
    expect(r.ok ? '' : r.errors[0]).toMatch(/"addheader" needs require "editheader"/);
  });
});
