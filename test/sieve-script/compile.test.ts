import { describe, expect, it } from 'vitest';
import { allowedExtensions, compileSieve, SUPPORTED_EXTENSIONS } from '../../src/sieve-script/index.js';

const firstError = (source: string, extensions?: readonly string[]): string => {
  const result = compileSieve(source, extensions === undefined ? {} : { extensions });
  if (result.ok) throw new Error('compiled, expected an error');
  return result.errors[0]!;
};

describe('compileSieve: valid scripts', () => {
  const table: Array<[string, string]> = [
    ['empty script', ''],
    ['only comments', '# nothing\n/* at all */'],
    ['RFC 5228 style filing', `require "fileinto";
if header :contains "from" "coyote" {
   discard;
} elsif header :contains ["subject"] ["$$$"] {
   discard;
} else {
   fileinto "INBOX";
}`],
    ['anyof/allof/not with size', `if anyof (not exists ["From", "Date"], header :contains "from" "fool@example.com") { discard; }
if size :over 100K { discard; } elsif size :under 1M { keep; }
if allof (true, not false) { stop; }`],
    ['address with parts and comparators', `require ["envelope", "subaddress"];
if address :is :all :comparator "i;octet" "from" "tim@example.com" { keep; }
if address :domain :is ["to", "cc"] "example.com" { keep; }
if envelope :user "to" "ken" { keep; }
if envelope :detail :matches "to" "lists-*" { keep; }`],
    ['reject with a multi-line reason', `require "reject";
if header :contains "subject" "spam" {
  reject text:
Go away.
..
.
;
}`],
    ['ereject', 'require "ereject";\nereject "no";'],
    ['redirect and :copy', 'require ["copy", "fileinto"];\nredirect :copy "a@example.com";\nfileinto :copy "x";\nredirect "b@example.com";'],
    ['relational with numeric comparator', `require ["relational", "comparator-i;ascii-numeric"];
if header :value "ge" :comparator "i;ascii-numeric" "X-Spam-Score" "5" { discard; }
if address :count "gt" :comparator "i;ascii-numeric" ["to", "cc"] ["3"] { discard; }`],
    ['imap4flags', `require ["imap4flags", "fileinto", "variables"];
setflag "\\\\Seen";
addflag ["$Junk", "\\\\Flagged"];
removeflag "\\\\Seen";
addflag "myflags" "a b";
if hasflag :contains "Junk" { fileinto :flags "\\\\Deleted" "Trash"; }
if hasflag "myflags" "a" { keep :flags ["\\\\Answered"]; }`],
    ['vacation, every argument', `require ["vacation", "vacation-seconds"];
vacation :days 7 :subject "Away" :from "me@example.com" :addresses ["me@example.org"] :mime :handle "h" "Gone fishing";
`],
    ['vacation :seconds', 'require "vacation-seconds";\nvacation :seconds 3600 "brb";'],
    ['mailbox', 'require ["mailbox", "fileinto"];\nif mailboxexists "Lists" { fileinto :create "Lists"; }'],
    ['variables', `require ["variables", "fileinto"];
set "a" "b";
set :lower :upperfirst "name" "\${a}X";
if string :matches "\${name}" "B*" { fileinto "x.\${1}"; }
if header :matches "List-ID" "*<*@*" { fileinto "INBOX.lists.\${2}"; stop; }`],
    ['body', `require "body";
if body :text :contains "unsubscribe" { discard; }
if body :raw :contains "x" { discard; }
if body :content "text/html" :contains "<script" { discard; }`],
    ['date and currentdate', `require ["date", "relational", "fileinto"];
if date :value "ge" :zone "+0100" "date" "hour" "09" { keep; }
if date :originalzone "date" "weekday" "0" { keep; }
if currentdate :is "year" "2026" { keep; }`],
    ['address on the address headers and X- headers', 'if address ["from", "sender", "reply-to", "to", "cc", "bcc", "resent-from", "resent-to", "return-path", "delivered-to", "x-original-to"] "x" { keep; }'],
    ['comparator requires are accepted', 'require ["comparator-i;octet", "comparator-i;ascii-casemap"];'],
    ['several requires', 'require "fileinto";\nrequire ["envelope"];\nfileinto "x";'],
  ];
  it.each(table)('%s', (_name, source) => {
    const result = compileSieve(source);
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it('the script records what it required', () => {
    const result = compileSieve('require ["fileinto", "Envelope"];');
    expect(result.ok && result.script.requires).toEqual(['fileinto', 'envelope']);
  });

  it('sieve_extensions narrows the list, with Cyrus\'s names, keeping what Cyrus never turns off', () => {
    expect(allowedExtensions(null)).toEqual(SUPPORTED_EXTENSIONS);
    expect(allowedExtensions(['Notify', 'imapflags', 'ihave', 'fcc', 'special-use', 'x-unknown'])).toEqual([
      'comparator-i;ascii-numeric', 'imap4flags', 'encoded-character', 'ihave', 'enotify', 'special-use', 'fcc', 'notify',
    ]);
    expect(allowedExtensions([])).toEqual(['comparator-i;ascii-numeric', 'encoded-character']);
    // Cyrus's "reject" is reject and ereject, "vacation-seconds" vacation too, "x-cyrus-log" vnd.cyrus.log.
    expect(allowedExtensions(['reject', 'vacation-seconds', 'x-cyrus-log'])).toEqual([
      'reject', 'ereject', 'comparator-i;ascii-numeric', 'vacation', 'vacation-seconds', 'encoded-character', 'vnd.cyrus.log',
    ]);
  });

  it('Cyrus 3.6\'s whole sieve_extensions list allows everything built (its snooze, jmapquery and imip are ignored)', () => {
    const cyrus = ('fileinto reject vacation vacation-seconds notify include envelope environment body relational regex subaddress copy '
      + 'date index imap4flags mailbox mboxmetadata servermetadata variables editheader extlists duplicate ihave fcc special-use '
      + 'redirect-dsn redirect-deliverby mailboxid vnd.cyrus.log vnd.cyrus.jmapquery vnd.cyrus.imip snooze').split(' ');
    expect(allowedExtensions(cyrus)).toEqual(SUPPORTED_EXTENSIONS);
  });

  it('SUPPORTED_EXTENSIONS lists what is built', () => {
    expect(SUPPORTED_EXTENSIONS).toEqual([
      'fileinto', 'reject', 'ereject', 'envelope', 'body', 'relational', 'comparator-i;ascii-numeric', 'subaddress',
      'copy', 'imap4flags', 'vacation', 'vacation-seconds', 'mailbox', 'variables', 'date', 'encoded-character',
      'include', 'regex', 'duplicate', 'editheader', 'environment', 'ihave', 'index', 'enotify', 'mboxmetadata', 'servermetadata',
      'special-use', 'mailboxid', 'fcc', 'extlists', 'redirect-dsn', 'redirect-deliverby', 'vnd.cyrus.log', 'notify',
    ]);
  });
});

describe('compileSieve: one row per kind of error', () => {
  const table: Array<[string, string, string]> = [
    ['lexer error', 'keep;\n"open', 'line 2: unterminated string (missing closing ")'],
    ['missing semicolon', 'keep\nstop;', 'line 2: missing ";" before "stop"'],
    ['missing semicolon after require', 'require ["fileinto"]\nkeep;', 'line 2: missing ";" before "keep"'],
    ['missing semicolon at the end', 'keep', 'line 1: missing ";" after "keep" at the end of the script'],
    ['missing brace after a test', 'if header :contains "subject" "x"\n  keep;', 'line 2: missing "{" before "keep"'],
    ['missing brace after if', 'if size :over 10 keep; }', 'line 1: missing "{" before "keep"'],
    ['else if', 'if true { keep; } else if false { keep; }', 'line 1: write "elsif", not "else if"'],
    ['a test after a command', 'keep exists "x";', 'line 1: "keep" takes no test (is a ";" missing before "exists"?)'],
    ['missing closing brace', 'if true {\nkeep;', 'line 2: missing "}" at the end of the script'],
    ['stray closing brace', 'keep;\n}', 'line 2: unexpected "}"'],
    ['a command that is not a name', '"x";', 'line 1: expected a command name, found a string'],
    ['bad string list', 'require ["a" "b"];', 'line 1: expected "," or "]" in a string list, found a string'],
    ['number in a string list', 'require [1];', 'line 1: expected a string in the list, found the number 1'],
    ['missing comma in a test list', 'if anyof (true false) {}', 'line 1: "true" takes no test (is a "," missing before "false"?)'],
    ['bad test list', 'if anyof (true; false) {}', 'line 1: expected "," or ")" in the test list of "anyof", found ";"'],
    ['missing test', 'if anyof () {}', 'line 1: expected a test, found ")"'],
    ['unsupported extension', 'require "fileinto";\nrequire "x-unknown";', 'line 2: unsupported extension "x-unknown"'],
    ['extension not allowed by the server', 'require "vacation";', 'line 1: unsupported extension "vacation"'],
    ['require after a command', 'keep;\nrequire "fileinto";', 'line 2: "require" must come before any other command'],
    ['command without its require', 'fileinto "x";', 'line 1: "fileinto" needs require "fileinto"'],
    ['test without its require', 'if envelope "to" "x" { keep; }', 'line 1: "envelope" needs require "envelope"'],
    [':copy without require', 'redirect :copy "a@example.com";', 'line 1: :copy needs require "copy"'],
    [':count without relational', 'if header :count "gt" "to" "1" {}', 'line 1: :count needs require "relational"'],
    [':flags without imap4flags', 'keep :flags "x";', 'line 1: :flags needs require "imap4flags"'],
    [':user without subaddress', 'if address :user "to" "x" {}', 'line 1: :user needs require "subaddress"'],
    [':create without mailbox', 'require "fileinto";\nfileinto :create "x";', 'line 2: :create needs require "mailbox"'],
    [':seconds without vacation-seconds', 'require "vacation";\nvacation :seconds 5 "x";', 'line 2: :seconds needs require "vacation-seconds"'],
    ['numeric comparator without require', 'if header :comparator "i;ascii-numeric" "x" "1" {}', 'line 1: comparator "i;ascii-numeric" needs require "comparator-i;ascii-numeric"'],
    ['unknown command', 'frobnicate;', 'line 1: unknown command "frobnicate"'],
    ['unknown test', 'if frob {}', 'line 1: unknown test "frob"'],
    ['unknown tag', 'keep :fast;', 'line 1: keep: unknown tag ":fast"'],
    [':regex without its require', 'if header :regex "a" "b" {}', 'line 1: :regex needs require "regex"'],
    ['two match types', 'if header :is :contains "a" "b" {}', 'line 1: header: only one match type may be given (:is and :contains)'],
    ['two address parts', 'if address :localpart :domain "to" "b" {}', 'line 1: address: only one address part may be given (:localpart and :domain)'],
    ['unknown comparator', 'if header :comparator "i;klingon" "a" "b" {}', 'line 1: header: unknown comparator "i;klingon"'],
    ['comparator without its name', 'if header :comparator ["a", "b"] "a" "b" {}', 'line 1: header: :comparator needs a comparator name'],
    ['numeric comparator with :contains', 'require "comparator-i;ascii-numeric";\nif header :contains :comparator "i;ascii-numeric" "a" "1" {}', 'line 2: header: comparator "i;ascii-numeric" cannot be used with :contains'],
    ['bad relational operator', 'require "relational";\nif header :value "gte" "a" "1" {}', 'line 2: header: unknown relational operator "gte" (use "gt", "ge", "lt", "le", "eq" or "ne")'],
    ['relational operator missing', 'require "relational";\nif header :count ["a"] "b" {}', 'line 2: header: :count needs a relational operator ("gt", "ge", "lt", "le", "eq" or "ne")'],
    ['too few arguments', 'if header "a" {}', 'line 1: header: expected 2 arguments after the tags, found 1'],
    ['too many arguments', 'keep "x";', 'line 1: keep: expected 0 arguments after the tags, found 1'],
    ['string expected, list given', 'require "fileinto";\nfileinto ["a", "b"];', 'line 2: fileinto: argument 1 must be a string, not a string list'],
    ['number expected', 'if size :over "1" {}', 'line 1: size: argument 1 must be a number, not a string'],
    ['tag after a positional argument', 'if header "a" :is "b" {}', 'line 1: header: tag ":is" must come before the other arguments'],
    ['tag given twice', 'require "copy";\nredirect :copy :copy "a@example.com";', 'line 2: redirect: :copy given twice'],
    ['tag argument missing', 'require "vacation";\nvacation :days "x";', 'line 2: vacation: :days needs a number'],
    ['size without :over or :under', 'if size 10 {}', 'line 1: size needs exactly one of :over and :under'],
    ['size with both', 'if size :over :under 10 {}', 'line 1: size needs exactly one of :over and :under'],
    ['elsif without if', 'keep;\nelsif true {}', 'line 2: "elsif" without a preceding "if"'],
    ['else after else', 'if true {} else {} else {}', 'line 1: "else" without a preceding "if"'],
    ['if without a block', 'if true;', 'line 1: "if" needs a block in braces'],
    ['if without a test', 'if {}', 'line 1: "if" needs exactly one test'],
    ['if with a test list', 'if (true) {}', 'line 1: "if" needs exactly one test'],
    ['command with a block', 'keep {}', 'line 1: "keep" takes no block'],
    ['command with a test', 'keep true;', 'line 1: "keep" takes no test (is a ";" missing before "true"?)'],
    ['test with a test', 'if header "a" "b" true {}', 'line 1: "header" takes no test (is a "," missing before "true"?)'],
    ['anyof without parentheses', 'if anyof true {}', 'line 1: "anyof" needs a list of tests in parentheses'],
    ['not with a list', 'if not (true, false) {}', 'line 1: "not" needs exactly one test'],
    ['redirect to two addresses', 'redirect "a@example.com, b@example.com";', 'line 1: redirect: "a@example.com, b@example.com" is not a valid address'],
    ['bad redirect address', 'redirect "not an address";', 'line 1: redirect: "not an address" is not a valid address'],
    ['envelope part unknown', 'require "envelope";\nif envelope "auth" "x" {}', 'line 2: envelope: unsupported envelope part "auth" (only "from" and "to")'],
    [':days with :seconds', 'require "vacation-seconds";\nvacation :days 1 :seconds 5 "x";', 'line 2: vacation: :days and :seconds cannot be used together'],
    ['bad vacation :from', 'require "vacation";\nvacation :from "nobody" "x";', 'line 2: vacation: :from "nobody" is not a valid address'],
    ['bad variable name', 'require "variables";\nset "1a" "x";', 'line 2: invalid variable name "1a"'],
    ['two set modifiers of one precedence', 'require "variables";\nset :lower :upper "a" "x";', 'line 2: set: :lower and :upper cannot be used together'],
    ['setflag variable without variables', 'require "imap4flags";\nsetflag "v" "x";', 'line 2: "setflag" with a variable name needs require "variables"'],
    ['body transforms together', 'require "body";\nif body :raw :text "x" {}', 'line 2: body: only one of :raw, :text and :content may be given'],
    ['date without require', 'if currentdate "year" "2026" {}', 'line 1: "currentdate" needs require "date"'],
    ['unknown date part', 'require "date";\nif date "date" "fortnight" "1" {}', 'line 2: date: unknown date part "fortnight"'],
    ['bad zone', 'require "date";\nif currentdate :zone "CET" "hour" "1" {}', 'line 2: currentdate: bad time zone "CET" (use +hhmm or -hhmm)'],
    [':zone with :originalzone', 'require "date";\nif date :zone "+0100" :originalzone "date" "hour" "1" {}', 'line 2: date: :zone and :originalzone cannot be used together'],
    [':originalzone on currentdate', 'require "date";\nif currentdate :originalzone "hour" "1" {}', 'line 2: currentdate: unknown tag ":originalzone"'],
    ['invalid header name', 'if header :is "sub ject" "x" {}', 'line 1: header: invalid header name "sub ject"'],
    ['invalid header name in exists', 'if exists "a:b" {}', 'line 1: exists: invalid header name "a:b"'],
    ['empty header name in address', 'if address "" "x" {}', 'line 1: address: invalid header name ""'],
    ['encoded-character: not a character', 'require "encoded-character";\nkeep;\nredirect "${unicode:d800}@example.com";', 'line 3: encoded-character: d800 is not a Unicode character'],
    ['encoded-character: not UTF-8', 'require "encoded-character";\nredirect "${hex:ff}@example.com";', 'line 2: encoded-character: "${hex:ff}" is not UTF-8'],
    ['address on a header without addresses', 'if address :is ["From", "Subject"] "x" {}', 'line 1: address: "subject" is not a header that holds addresses'],
    ['blocks nested too deeply', 'if true {'.repeat(51) + '}'.repeat(51), 'line 1: blocks nested too deeply (more than 50)'],
    ['tests nested too deeply', `if ${'not '.repeat(60)}true {}`, 'line 1: tests nested too deeply (more than 50)'],
  ];
  it.each(table)('%s', (_name, source, error) => {
    expect(firstError(source, _name === 'extension not allowed by the server' ? ['fileinto'] : undefined)).toBe(error);
  });

  it('reports several check errors at once', () => {
    const result = compileSieve('fileinto "x";\nfrob;');
    expect(result).toEqual({ ok: false, errors: ['line 1: "fileinto" needs require "fileinto"', 'line 2: unknown command "frob"'] });
  });

  it('an extension outside SUPPORTED_EXTENSIONS stays refused even when the server lists it', () => {
    expect(firstError('require "snooze";', ['snooze'])).toBe('line 1: unsupported extension "snooze"');
  });

  it('deep nesting within the limit compiles', () => {
    expect(compileSieve('if true {'.repeat(50) + '}'.repeat(50)).ok).toBe(true);
    expect(compileSieve(`if ${'not '.repeat(45)}true {}`).ok).toBe(true);
  });
});
