// enotify (RFC 5435) with the mailto method (RFC 5436): the notify action, valid_notify_method,
// notify_method_capability and :encodeurl.
import { describe, expect, it } from 'vitest';
import { encodeUrl, parseMailto } from '../../src/sieve-script/index.js';
import { compileError, message, outcome } from './helpers.js';

const msg = message(['From: Boss <boss@example.org>', 'To: me@example.com', 'Subject: Quarterly numbers']);
const run = (source: string, m = msg) => outcome(`require ["enotify", "variables", "fileinto"];\n${source}`, m);

describe('notify', () => {
  it('adds a notification and keeps the implicit keep', () => {
    const out = run('notify :importance "1" :from "me@example.com" :options ["a", "b"] :message "boss wrote" "mailto:me@example.net";');
    expect(out.error).toBeNull();
    expect(out.actions).toEqual([
      { type: 'notify', method: 'mailto:me@example.net', from: 'me@example.com', importance: '1', options: ['a', 'b'], message: 'boss wrote' },
      { type: 'keep', flags: null },
    ]);
  });

  it('defaults: importance 2, a message naming the sender and the subject', () => {
    expect(run('notify "mailto:me@example.net";').actions[0]).toEqual({
      type: 'notify', method: 'mailto:me@example.net', from: null, importance: '2', options: [], message: 'Boss <boss@example.org>: Quarterly numbers',
    });
  });

  it('expands variables, and sends the same notification once', () => {
    const out = run('set "to" "me@example.net"; notify :message "x" "mailto:${to}"; notify :message "x" "mailto:me@example.net"; notify :message "y" "mailto:${to}";');
    expect(out.names).toEqual(['notify', 'notify', 'keep']);
  });

  it.each([
    ['auto-replied', 'Auto-Submitted: auto-replied'],
    ['auto-notified', 'Auto-Submitted: auto-notified'],
    ['auto-generated with a comment', 'Auto-Submitted: Auto-Generated (robot)'],
  ])('never notifies about an auto-submitted message (%s)', (_name, field) => {
    const out = run('notify "mailto:me@example.net";', message(['From: b@example.org', field, 'Subject: s']));
    expect(out.error).toBeNull();
    expect(out.names).toEqual(['keep']);
  });

  it('notifies about one that says Auto-Submitted: no', () => {
    expect(run('notify "mailto:me@example.net";', message(['From: b@example.org', 'Auto-Submitted: no'])).names).toEqual(['notify', 'keep']);
  });

  it.each([
    ['a method this server lacks', 'set "m" "xmpp:me@example.net"; notify "${m}";', /"xmpp:me@example.net" is not a notification method/],
    ['a bad :from', 'set "f" "not an address"; notify :from "${f}" "mailto:me@example.net";', /:from "not an address" is not a valid address/],
    ['a bad :importance', 'set "i" "4"; notify :importance "${i}" "mailto:me@example.net";', /:importance must be "1", "2" or "3"/],
  ])('%s built from variables is a runtime error', (_name, source, error) => {
    const out = run(source);
    expect(out.error).toMatch(error);
    expect(out.names).toEqual(['keep']);
  });

  it.each([
    ['notify "mailto:me@example.net";', null, true],
    ['notify "xmpp:me@example.net";', /not a notification method this server can use/, true],
    ['notify "mailto:";', /not a notification method/, true],
    ['notify "mailto:not-an-address";', /not a notification method/, true],
    ['notify :from "x" "mailto:me@example.net";', /:from "x" is not a valid address/, true],
    ['notify :importance "0" "mailto:me@example.net";', /:importance must be "1", "2" or "3"/, true],
    ['notify :method "mailto" "mailto:me@example.net";', /unknown tag ":method"/, true],
    ['notify "mailto:me@example.net";', /"notify" needs require "enotify"/, false],
    ['set :encodeurl "a" "b";', /:encodeurl needs require "enotify"/, false],
    ['if valid_notify_method "mailto:a@b.c" { keep; }', /"valid_notify_method" needs require "enotify"/, false],
  ])('checks %s', (source, error, required) => {
    const r = compileError(`require ["variables"${required ? ', "enotify"' : ''}];\n${source}`);
    if (error === null) expect(r).toBeNull();
    else expect(r).toMatch(error);
  });
});

describe('valid_notify_method and notify_method_capability', () => {
  it.each([
    ['if valid_notify_method "mailto:me@example.net" { fileinto "Hit"; }', ['Hit']],
    ['if valid_notify_method ["mailto:me@example.net", "mailto:?to=a%40example.org"] { fileinto "Hit"; }', ['Hit']],
    ['if valid_notify_method ["mailto:me@example.net", "xmpp:me@example.net"] { fileinto "Hit"; }', ['keep']],
    ['if valid_notify_method "mailto:" { fileinto "Hit"; }', ['keep']],
    ['if notify_method_capability "mailto:me@example.net" "Online" "maybe" { fileinto "Hit"; }', ['Hit']],
    ['if notify_method_capability "mailto:me@example.net" "online" ["yes", "no"] { fileinto "Hit"; }', ['keep']],
    ['if notify_method_capability "xmpp:me@example.net" "online" "maybe" { fileinto "Hit"; }', ['keep']],
    ['if notify_method_capability :matches "mailto:me@example.net" "other" "*" { fileinto "Hit"; }', ['keep']],
  ])('%s', (source, names) => {
    expect(run(source).names).toEqual(names);
  });
});

describe(':encodeurl', () => {
  it('percent-encodes all but the unreserved characters, after quotewildcard and before length', () => {
    expect(run('set :encodeurl "s" "a b&c=d/é~"; if string "${s}" "a%20b%26c%3Dd%2F%C3%A9~" { fileinto "Hit"; }').names).toEqual(['Hit']);
    expect(run('set :encodeurl :length "s" "a b"; if string "${s}" "5" { fileinto "Hit"; }').names).toEqual(['Hit']);
    expect(run('set :upper :encodeurl "s" "a b"; if string :comparator "i;octet" "${s}" "A%20B" { fileinto "Hit"; }').names).toEqual(['Hit']);
    expect(encodeUrl('x*?')).toBe('x%2A%3F');
  });
});

describe('mailto URIs', () => {
  it('reads recipients and the harmless fields, dropping the others', () => {
    expect(parseMailto('mailto:a@example.org,b@example.org?cc=c%40example.org&subject=Hi%20there&from=evil@example.org&body=x&auto-submitted=no')).toEqual({
      to: ['a@example.org', 'b@example.org'], cc: ['c@example.org'], bcc: [], fields: [['subject', 'Hi there'], ['body', 'x']],
    });
    expect(parseMailto('MAILTO:a%40example.org')?.to).toEqual(['a@example.org']);
    expect(parseMailto('mailto:?subject=x')).toBeNull();
    expect(parseMailto('mailto:a@example.org?subject=%zz')).toBeNull();
  });
});

describe('slips around notify', () => {
  it('a missing ";" before notify or error is named', () => {
    expect(compileError('require ["enotify", "ihave"];\nkeep\nnotify "mailto:a@example.net";')).toBe('line 3: missing ";" before "notify"');
    expect(compileError('require ["enotify", "ihave"];\nkeep\nerror "x";')).toBe('line 3: missing ";" before "error"');
  });
});
