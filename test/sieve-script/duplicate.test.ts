// duplicate (RFC 7352): the test asks the environment, and reports its checks for the caller to record.
import { describe, expect, it } from 'vitest';
import { compileSieve, runSieve, type SieveEnvironment, type SieveMessage } from '../../src/sieve-script/index.js';

function message(lines: string[]): SieveMessage {
  const header = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
  return { header, content: Buffer.concat([header, Buffer.from('Body.\r\n')]), size: header.length + 7 };
}
const msg = message(['From: a@example.org', 'Message-ID: <m1@example.org> ', 'X-Seq: 42', 'Subject: s']);

function run(source: string, seen: string[] = [], m: SieveMessage = msg) {
  const asked: string[] = [];
  const env: SieveEnvironment = {
    envelopeFrom: 'a@example.org', envelopeTo: 'me@example.com', userAddresses: [], mailboxExists: () => true,
    duplicateSeen: (handle, id) => {
      asked.push(`${handle}|${id}`);
      return seen.includes(`${handle}|${id}`);
    },
  };
  const r = compileSieve(`require ["duplicate", "fileinto", "variables"];\n${source}`);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  const out = runSieve(r.script, m, env);
  return { ...out, asked, boxes: out.actions.map((a) => (a.type === 'fileinto' ? a.mailbox : a.type)) };
}

describe('duplicate', () => {
  it.each([
    ['by Message-ID, not seen', 'if duplicate { fileinto "Dup"; }', [], ['keep'], ['|<m1@example.org>']],
    ['by Message-ID, seen', 'if duplicate { fileinto "Dup"; }', ['|<m1@example.org>'], ['Dup'], ['|<m1@example.org>']],
    ['by :header', 'if duplicate :header "X-Seq" { fileinto "Dup"; }', ['|42'], ['Dup'], ['|42']],
    ['by :uniqueid with variables', 'set "s" "x"; if duplicate :uniqueid "${s}-1" :handle "h${s}" { fileinto "Dup"; }', ['hx|x-1'], ['Dup'], ['hx|x-1']],
    ['handles track apart', 'if duplicate :handle "a" { fileinto "A"; }', ['b|<m1@example.org>'], ['keep'], ['a|<m1@example.org>']],
    ['a missing header is never a duplicate', 'if duplicate :header "X-None" { fileinto "Dup"; }', [], ['keep'], []],
    ['the same pair is asked once per run', 'if duplicate { fileinto "A"; } if duplicate :last { fileinto "B"; }', [], ['keep'], ['|<m1@example.org>']],
  ])('%s', (_name, source, seen, boxes, asked) => {
    const out = run(source, seen);
    expect(out.boxes).toEqual(boxes);
    expect(out.asked).toEqual(asked);
  });

  it('reports what it checked, with :seconds and :last, for the caller to record', () => {
    expect(run('if duplicate :seconds 60 { discard; }').duplicates).toEqual([{ handle: '', id: '<m1@example.org>', seconds: 60, last: false, seen: false }]);
    expect(run('if duplicate :last :header "x-seq" { discard; }', ['|42']).duplicates).toEqual([{ handle: '', id: '42', seconds: null, last: true, seen: true }]);
  });

  it('reports nothing when the script fails (nothing is recorded then)', () => {
    const out = run('if duplicate { discard; } set "x" "not an address"; redirect "${x}";');
    expect(out.error).not.toBeNull();
    expect(out.duplicates).toBeUndefined();
  });

  it.each([
    ['if duplicate { keep; }', null],
    ['if duplicate :header "Message-ID" :uniqueid "x" { keep; }', /:header and :uniqueid cannot be used together/],
    ['if duplicate :seconds "x" { keep; }', /:seconds needs a number/],
    ['if duplicate :header "bad name" { keep; }', /invalid header name/],
    ['if duplicate "x" { keep; }', /expected 0 arguments/],
  ])('compiles %s', (source, error) => {
    const r = compileSieve(`require "duplicate";\n${source}`);
    if (error === null) expect(r.ok).toBe(true);
    else expect(r.ok ? '' : r.errors[0]).toMatch(error);
  });

  it('needs require "duplicate"', () => {
    const r = compileSieve('if duplicate { keep; }');
    expect(r.ok ? '' : r.errors[0]).toMatch(/"duplicate" needs require "duplicate"/);
  });
});
