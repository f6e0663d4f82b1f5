import { describe, expect, it } from 'vitest';
import { compileSieve, runSieve, type CompiledScript, type SieveAction, type SieveEnvironment, type SieveMessage, type SieveOutcome } from '../../src/sieve-script/index.js';

const baseHeader = [
  'From: Fred Bloggs <fred@example.org>',
  'To: Me <me@example.com>, other@example.net',
  'Cc: team: a@example.net, b@example.net;',
  'Subject: [acme-users] version 1.2 is out',
  'Message-ID: <123@example.org>',
  'X-Spam-Score: 7',
  'X-Encoded: =?UTF-8?Q?caf=C3=A9?=',
];

function message(headerLines: readonly string[] = baseHeader, body = 'Hello there.\r\n'): SieveMessage {
  const header = Buffer.from(`${headerLines.join('\r\n')}\r\n\r\n`);
  const content = Buffer.concat([header, Buffer.from(body)]);
  return { header, content, size: content.length };
}

function env(overrides: Partial<SieveEnvironment> = {}): SieveEnvironment {
  return {
    envelopeFrom: 'fred@example.org',
    envelopeTo: 'me+lists@example.com',
    userAddresses: ['me@example.com'],
    mailboxExists: (name) => name === 'INBOX' || name === 'Lists',
    ...overrides,
  };
}

function compile(source: string): CompiledScript {
  const result = compileSieve(source);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.script;
}

function run(source: string, msg: SieveMessage = message(), environment: SieveEnvironment = env(), maxRedirects?: number): SieveOutcome {
  return runSieve(compile(source), msg, environment, maxRedirects === undefined ? {} : { maxRedirects });
}

const keep: SieveAction = { type: 'keep', flags: null };
const fileinto = (mailbox: string, flags: string[] | null = null, create = false): SieveAction => ({ type: 'fileinto', mailbox, flags, create });

describe('runSieve: actions of the base language and its extensions', () => {
  const table: Array<[string, string, SieveAction[]]> = [
    ['empty script: implicit keep', '', [keep]],
    ['explicit keep does not double up', 'keep; keep;', [keep]],
    ['discard cancels the implicit keep', 'discard;', [{ type: 'discard' }]],
    ['stop ends the script', 'stop; discard;', [keep]],
    ['fileinto cancels the implicit keep', 'require "fileinto"; fileinto "Lists";', [fileinto('Lists')]],
    ['fileinto :copy keeps the implicit keep', 'require ["fileinto", "copy"]; fileinto :copy "Lists";', [fileinto('Lists'), keep]],
    ['duplicate fileinto collapses', 'require "fileinto"; fileinto "A"; fileinto "A"; fileinto "B";', [fileinto('A'), fileinto('B')]],
    ['fileinto :create', 'require ["fileinto", "mailbox"]; fileinto :create "New";', [fileinto('New', null, true)]],
    ['redirect', 'redirect "bob@example.net";', [{ type: 'redirect', address: 'bob@example.net' }]],
    ['redirect :copy keeps', 'require "copy"; redirect :copy "bob@example.net";', [{ type: 'redirect', address: 'bob@example.net' }, keep]],
    ['duplicate redirect collapses', 'redirect "bob@example.net"; redirect "BOB@example.net";', [{ type: 'redirect', address: 'bob@example.net' }]],
    ['reject', 'require "reject"; reject "no thanks";', [{ type: 'reject', reason: 'no thanks', extended: false }]],
    ['ereject', 'require "ereject"; ereject "no";', [{ type: 'reject', reason: 'no', extended: true }]],
    ['reject with discard is fine', 'require "reject"; discard; reject "x";', [{ type: 'discard' }, { type: 'reject', reason: 'x', extended: false }]],
    ['if/elsif/else', 'require "fileinto"; if false { fileinto "A"; } elsif true { fileinto "B"; } else { fileinto "C"; }', [fileinto('B')]],
    ['else', 'require "fileinto"; if false { fileinto "A"; } else { fileinto "C"; }', [fileinto('C')]],
    ['header :contains, case-insensitive', 'if header :contains "subject" "ACME" { discard; }', [{ type: 'discard' }]],
    ['header :is on a decoded encoded word', 'if header :is "x-encoded" "café" { discard; }', [{ type: 'discard' }]],
    ['header :is is exact', 'if header :is "subject" "acme" { discard; }', [keep]],
    ['exists needs every header', 'if exists ["from", "x-nope"] { discard; }', [keep]],
    ['exists', 'if exists ["From", "Message-ID"] { discard; }', [{ type: 'discard' }]],
    ['size :over', 'if size :over 10 { discard; }', [{ type: 'discard' }]],
    ['size :under', 'if size :under 10 { discard; }', [keep]],
    ['address :domain', 'if address :domain "from" "EXAMPLE.org" { discard; }', [{ type: 'discard' }]],
    ['address :localpart across a list', 'if address :localpart "to" "other" { discard; }', [{ type: 'discard' }]],
    ['address :all ignores the display name', 'if address :is "from" "fred@example.org" { discard; }', [{ type: 'discard' }]],
    ['address sees group members', 'if address :is "cc" "b@example.net" { discard; }', [{ type: 'discard' }]],
    ['address :count', 'require ["relational", "comparator-i;ascii-numeric"]; if address :count "eq" :comparator "i;ascii-numeric" ["to", "cc"] "4" { discard; }', [{ type: 'discard' }]],
    ['header :value with numeric comparator', 'require ["relational", "comparator-i;ascii-numeric"]; if header :value "ge" :comparator "i;ascii-numeric" "x-spam-score" "5" { discard; }', [{ type: 'discard' }]],
    ['envelope from', 'require "envelope"; if envelope :domain "from" "example.org" { discard; }', [{ type: 'discard' }]],
    ['envelope to :detail', 'require ["envelope", "subaddress"]; if envelope :detail "to" "lists" { discard; }', [{ type: 'discard' }]],
    ['envelope to :user', 'require ["envelope", "subaddress"]; if envelope :user "to" "me" { discard; }', [{ type: 'discard' }]],
    ['address :detail without "+" does not match', 'require "subaddress"; if address :detail :matches "from" "*" { discard; }', [keep]],
    ['mailboxexists', 'require ["mailbox", "fileinto"]; if mailboxexists "Lists" { fileinto "Lists"; } if mailboxexists ["Lists", "Nope"] { discard; }', [fileinto('Lists')]],
    ['body :text', 'require "body"; if body :text :contains "hello" { discard; }', [{ type: 'discard' }]],
    ['body :raw', 'require "body"; if body :raw :contains "there" { discard; }', [{ type: 'discard' }]],
    ['anyof / allof / not', 'if allof (not false, anyof (false, true)) { discard; }', [{ type: 'discard' }]],
  ];
  it.each(table)('%s', (_name, source, actions) => {
    expect(run(source)).toEqual({ actions, error: null });
  });

  it('envelope from: the null reverse-path is "" whatever the address part', () => {
    const script = 'require "envelope"; if envelope :domain :is "from" "" { discard; }';
    expect(run(script, message(), env({ envelopeFrom: '' })).actions).toEqual([{ type: 'discard' }]);
    expect(run(script).actions).toEqual([keep]);
  });

  it('body :content decodes the matching MIME part', () => {
    const msg = message(
      ['From: a@example.org', 'MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="b1"'],
      '--b1\r\nContent-Type: text/plain\r\n\r\nplain words\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + Buffer.from('<p>caf\u00e9</p>').toString('base64') + '\r\n--b1--\r\n',
    );
    expect(run('require "body"; if body :content "text/html" :contains "café" { discard; }', msg).actions).toEqual([{ type: 'discard' }]);
    expect(run('require "body"; if body :content "text/html" :contains "plain" { discard; }', msg).actions).toEqual([keep]);
    expect(run('require "body"; if body :text :contains "plain words" { discard; }', msg).actions).toEqual([{ type: 'discard' }]);
  });
});

describe('runSieve: imap4flags', () => {
  const table: Array<[string, string, SieveAction[]]> = [
    ['internal flags go on the implicit keep', 'require "imap4flags"; addflag "\\\\seen"; addflag ["$Junk", "\\\\SEEN"];', [{ type: 'keep', flags: ['\\Seen', '$Junk'] }]],
    ['no flags: an empty list', 'require "imap4flags";', [{ type: 'keep', flags: [] }]],
    ['setflag replaces, removeflag removes', 'require "imap4flags"; setflag "a b c"; removeflag "B"; addflag "d";', [{ type: 'keep', flags: ['a', 'c', 'd'] }]],
    ['fileinto takes the internal flags at the time', 'require ["imap4flags", "fileinto"]; addflag "x"; fileinto "A"; addflag "y";', [fileinto('A', ['x'])]],
    [':flags overrides the internal flags', 'require ["imap4flags", "fileinto"]; addflag "x"; fileinto :flags "\\\\flagged z" "A"; keep;', [fileinto('A', ['\\Flagged', 'z']), { type: 'keep', flags: ['x'] }]],
    ['hasflag', 'require "imap4flags"; addflag "$Work"; if hasflag :is "$work" { discard; }', [{ type: 'discard' }]],
    ['hasflag on a variable', 'require ["imap4flags", "variables"]; addflag "v" "one two"; if hasflag "v" "two" { discard; }', [{ type: 'discard' }]],
    ['hasflag :count', 'require ["imap4flags", "relational", "comparator-i;ascii-numeric"]; addflag "a b"; if hasflag :count "eq" :comparator "i;ascii-numeric" "2" { discard; }', [{ type: 'discard' }]],
  ];
  it.each(table)('%s', (_name, source, actions) => {
    expect(run(source)).toEqual({ actions, error: null });
  });
});

describe('runSieve: variables', () => {
  const table: Array<[string, string, SieveAction[]]> = [
    ['${1} from :matches', 'require ["variables", "fileinto"]; if header :matches "subject" "[*] *" { fileinto "lists.${1}"; }', [fileinto('lists.acme-users')]],
    ['${0} is the whole value', 'require ["variables", "fileinto"]; if address :matches "from" "*@*" { fileinto "${0}/${2}"; }', [fileinto('fred@example.org/example.org')]],
    ['set and expand, modifiers', 'require ["variables", "fileinto"]; set "a" "World"; set :upper "b" "${a}"; set :length "n" "${a}"; fileinto "${b}-${n}-${unknown}";', [fileinto('WORLD-5-')]],
    ['quotewildcard', 'require ["variables", "fileinto"]; set :quotewildcard "q" "a*b"; fileinto "${q}";', [fileinto('a\\*b')]],
    ['string test', 'require ["variables"]; set "x" "abc"; if string :is "${x}" "abc" { discard; }', [{ type: 'discard' }]],
    ['string :count counts non-empty strings', 'require ["variables", "relational"]; if string :count "eq" ["a", "", "b"] "2" { discard; }', [{ type: 'discard' }]],
    ['no expansion without require', 'require "fileinto"; fileinto "${1}";', [fileinto('${1}')]],
    ['an expanded key is a pattern', 'require ["variables"]; set "p" "*users*"; if header :matches "subject" "${p}" { discard; }', [{ type: 'discard' }]],
  ];
  it.each(table)('%s', (_name, source, actions) => {
    expect(run(source)).toEqual({ actions, error: null });
  });
});

describe('runSieve: runtime errors keep the message', () => {
  const table: Array<[string, string, string]> = [
    ['reject with keep', 'require "reject"; keep; reject "x";', 'line 1: reject cannot be used with keep'],
    ['reject with fileinto', 'require ["reject", "fileinto"]; fileinto "A"; reject "x";', 'line 1: reject cannot be used with fileinto'],
    ['ereject with redirect', 'require "ereject"; redirect "a@example.net"; ereject "x";', 'line 1: ereject cannot be used with redirect'],
    ['reject with vacation', 'require ["reject", "vacation"]; vacation "away"; reject "x";', 'line 1: reject cannot be used with vacation'],
    ['two rejects', 'require "reject"; reject "x"; reject "y";', 'line 1: only one reject or ereject may be executed'],
    ['two vacations', 'require "vacation"; vacation "a"; vacation "b";', 'line 1: vacation may be executed only once'],
    ['redirect to an expanded address that is not one', 'require "variables"; set "a" "nobody"; redirect "${a}";', 'line 1: redirect: "nobody" is not a valid address'],
    ['too many redirects', ['redirect "a1@x.org";', 'redirect "a2@x.org";', 'redirect "a3@x.org";', 'redirect "a4@x.org";', 'redirect "a5@x.org";', 'redirect "a6@x.org";'].join('\n'), 'line 6: too many redirects (at most 5)'],
  ];
  it.each(table)('%s', (_name, source, error) => {
    expect(run(source)).toEqual({ actions: [keep], error });
  });

  it('the redirect limit comes from the caller', () => {
    expect(run('redirect "a@x.org"; redirect "b@x.org";', message(), env(), 1)).toEqual({ actions: [keep], error: 'line 1: too many redirects (at most 1)' });
    expect(run('redirect "a@x.org"; redirect "a@x.org";', message(), env(), 1).error).toBeNull();
  });

  it('a runtime error keeps with the internal flags', () => {
    expect(run('require ["reject", "imap4flags"]; addflag "x"; keep; reject "no";')).toEqual({ actions: [{ type: 'keep', flags: ['x'] }], error: 'line 1: reject cannot be used with keep' });
  });
});

describe('runSieve: vacation', () => {
  const vacation = 'require "vacation"; vacation :days 3 "I am away.";';
  const sent = (outcome: SieveOutcome): boolean => outcome.actions.some((a) => a.type === 'vacation');

  it('answers a message sent to the user, with the defaults', () => {
    expect(run(vacation)).toEqual({
      actions: [{
        type: 'vacation', to: 'fred@example.org', from: null, subject: 'Auto: [acme-users] version 1.2 is out',
        reason: 'I am away.', mime: false, handle: expect.stringMatching(/^vacation-[0-9a-f]{32}$/) as unknown as string,
        seconds: 3 * 86400, inReplyTo: '<123@example.org>',
      }, keep],
      error: null,
    });
  });

  it('every argument', () => {
    const outcome = run('require "vacation-seconds"; vacation :seconds 60 :subject "Out" :from "me@example.com" :mime :handle "h1" "body";');
    expect(outcome.actions[0]).toEqual({
      type: 'vacation', to: 'fred@example.org', from: 'me@example.com', subject: 'Out', reason: 'body', mime: true,
      handle: 'h1', seconds: 60, inReplyTo: '<123@example.org>',
    });
  });

  it('default :days is 7; the handle is stable and follows the arguments', () => {
    const a = run('require "vacation"; vacation "x";').actions[0] as Extract<SieveAction, { type: 'vacation' }>;
    const b = run('require "vacation"; vacation "x";').actions[0] as Extract<SieveAction, { type: 'vacation' }>;
    const c = run('require "vacation"; vacation "y";').actions[0] as Extract<SieveAction, { type: 'vacation' }>;
    expect(a.seconds).toBe(7 * 86400);
    expect(a.handle).toBe(b.handle);
    expect(a.handle).not.toBe(c.handle);
  });

  it('a message without a subject gets a sensible one', () => {
    const outcome = run(vacation, message(['From: fred@example.org', 'To: me@example.com']));
    expect(outcome.actions[0]).toMatchObject({ subject: 'Automated reply', inReplyTo: null });
  });

  const suppressed: Array<[string, string[] | null, Partial<SieveEnvironment>]> = [
    ['null reverse-path', null, { envelopeFrom: '' }],
    ['MAILER-DAEMON', null, { envelopeFrom: 'MAILER-DAEMON@example.org' }],
    ['owner- address', null, { envelopeFrom: 'owner-list@example.org' }],
    ['-request address', null, { envelopeFrom: 'list-request@example.org' }],
    ['Auto-Submitted', [...baseHeader, 'Auto-Submitted: auto-replied'], {}],
    ['List-Id', [...baseHeader, 'List-Id: <acme.example.org>'], {}],
    ['List-Post', [...baseHeader, 'List-Post: <mailto:acme@example.org>'], {}],
    ['Precedence bulk', [...baseHeader, 'Precedence: bulk'], {}],
    ['Precedence list', [...baseHeader, 'Precedence: list'], {}],
    ['Precedence junk', [...baseHeader, 'Precedence: junk'], {}],
    ['not addressed to the user', ['From: fred@example.org', 'To: someone@example.net', 'Subject: hi'], {}],
    ['sent by the user', null, { envelopeFrom: 'me@example.com' }],
  ];
  it.each(suppressed)('no reply: %s', (_name, header, overrides) => {
    const outcome = run(vacation, header === null ? message() : message(header), env(overrides));
    expect(outcome).toEqual({ actions: [keep], error: null });
  });

  const answered: Array<[string, string[], Partial<SieveEnvironment>, string]> = [
    ['Auto-Submitted: no', [...baseHeader, 'Auto-Submitted: no'], {}, vacation],
    ['Precedence: first-class', [...baseHeader, 'Precedence: first-class'], {}, vacation],
    ['the user in Cc, +detail and case ignored', ['From: fred@example.org', 'To: x@example.net', 'Cc: ME+work@EXAMPLE.COM'], {}, vacation],
    ['the user in Resent-To', ['From: fred@example.org', 'Resent-To: me@example.com'], {}, vacation],
    ['the user in Bcc', ['From: fred@example.org', 'Bcc: me@example.com'], {}, vacation],
    [':addresses adds one', ['From: fred@example.org', 'To: alias@example.net'], {}, 'require "vacation"; vacation :addresses "alias@example.net" "x";'],
  ];
  it.each(answered)('a reply: %s', (_name, header, overrides, script) => {
    expect(sent(run(script, message(header), env(overrides)))).toBe(true);
  });
});

describe('runSieve: cheap per run', () => {
  it('does not read the header block when no test needs it', () => {
    let reads = 0;
    const header = new Proxy(Buffer.from('Subject: x\r\n\r\n'), {
      get(target, prop, receiver) {
        reads += 1;
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const script = compile('require "fileinto"; if size :over 1 { fileinto "A"; }');
    runSieve(script, { header, content: Buffer.alloc(0), size: 5 }, env());
    expect(reads).toBe(0);
  });
});
