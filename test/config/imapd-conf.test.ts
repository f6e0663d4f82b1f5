import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapdConfig, ConfigError } from '../../src/config/index.js';
import { parseOptionValue, ValueError } from '../../src/config/values.js';
import type { OptionSpec, OptionType } from '../../src/config/types.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'debian');

/** A made-up option of one type, so the value tables do not depend on the real table's entries. */
function spec(type: OptionType, extra: Partial<OptionSpec> = {}): OptionSpec {
  return { name: 'x', type, default: null, doc: '', area: 'test', ...extra };
}

/** The message of the ConfigError that `text` (after a configdirectory line) raises in file test.conf. */
function refusal(text: string): { message: string; problems: ConfigError['problems'] } {
  try {
    ImapdConfig.fromText(`configdirectory: /x\n${text}`, 'test.conf');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return { message: (err as Error).message, problems: (err as ConfigError).problems };
  }
  throw new Error(`accepted: ${text}`);
}

const load = (text: string, file = 'test.conf') => ImapdConfig.fromText(`configdirectory: /x\n${text}`, file);

describe('imapd.conf values, type by type', () => {
  it.each([
    ['yes', true], ['no', false], ['on', true], ['off', false], ['true', true], ['false', false],
    ['1', true], ['0', false], ['YES', true], ['Off', false], [' true ', true], ['t', true], ['n', false],
  ])('switch %j → %j', (text, value) => {
    expect(parseOptionValue(spec('switch'), text)).toBe(value);
  });

  it.each(['maybe', '2', '', 'yess', 'enabled', '-1', 'nope'])('switch %j is refused', (text) => {
    expect(() => parseOptionValue(spec('switch'), text)).toThrow(new ValueError('expected yes/no, on/off, true/false or 1/0'));
  });

  it.each([
    ['0', 0], ['42', 42], ['-1', -1], ['+7', 7], [' 12 ', 12], ['007', 7],
  ])('int %j → %j', (text, value) => {
    expect(parseOptionValue(spec('int'), text)).toBe(value);
  });

  it.each([
    ['1.5', 'whole number'], ['12abc', 'whole number'], ['', 'whole number'], ['ten', 'whole number'],
    ['1e3', 'whole number'], ['0x10', 'whole number'], ['99999999999999999999', 'out of range'],
  ])('int %j is refused (%s)', (text, why) => {
    expect(() => parseOptionValue(spec('int'), text)).toThrow(why);
  });

  it.each([
    ['3', 3], ['2', 'must be at least 3'], ['-3', 'must be at least 3'],
  ])('int with min 3: %j → %j', (text, outcome) => {
    const parse = () => parseOptionValue(spec('int', { min: 3 }), text);
    if (typeof outcome === 'number') expect(parse()).toBe(outcome);
    else expect(parse).toThrow(new ValueError(outcome));
  });

  it.each([
    ['mail.example.org', 'mail.example.org'], ['  Other Users  ', 'Other Users'], ['a:b:c', 'a:b:c'], ['', ''],
  ])('string %j → %j', (text, value) => {
    expect(parseOptionValue(spec('string'), text)).toBe(value);
  });

  const colours = spec('enum', { values: ['red', 'green', 'blue'] });
  it.each([['red', 'red'], ['GREEN', 'green'], [' blue ', 'blue']])('enum %j → %j', (text, value) => {
    expect(parseOptionValue(colours, text)).toBe(value);
  });

  it.each(['purple', '', 'red green', 're'])('enum %j is refused, naming every allowed word', (text) => {
    expect(() => parseOptionValue(colours, text)).toThrow(new ValueError('expected one of: red, green, blue'));
  });

  const features = spec('bitfield', { values: ['alpha', 'beta'] });
  it.each([
    ['alpha', ['alpha']], ['alpha beta', ['alpha', 'beta']], ['BETA,alpha', ['beta', 'alpha']], ['', []],
  ])('bitfield %j → %j', (text, value) => {
    expect(parseOptionValue(features, text)).toEqual(value);
  });

  it('bitfield with a word outside the set is refused, naming the word and the set', () => {
    expect(() => parseOptionValue(features, 'alpha gamma')).toThrow(new ValueError('"gamma" is not one of: alpha, beta'));
  });

  it.each([
    ['0', 0], ['1024', 1024], ['512b', 512], ['64K', 64 * 1024], ['64k', 64 * 1024], ['64KB', 64 * 1024],
    ['10M', 10 * 1024 ** 2], ['10mb', 10 * 1024 ** 2], ['1G', 1024 ** 3], ['2gb', 2 * 1024 ** 3], ['64 K', 64 * 1024],
  ])('size %j → %j bytes', (text, value) => {
    expect(parseOptionValue(spec('bytesize'), text)).toBe(value);
  });

  it.each(['10T', '-1', '1.5M', 'K', '', 'ten', 'M10'])('size %j is refused', (text) => {
    expect(() => parseOptionValue(spec('bytesize'), text)).toThrow(new ValueError('expected a size: a number with an optional K, M or G suffix'));
  });

  it.each([
    ['0', 0], ['1024', 1024], ['512', 'must be 0 or at least 1024 bytes'], ['1K', 1024],
  ])('size with min 1024: %j → %j', (text, outcome) => {
    const parse = () => parseOptionValue(spec('bytesize', { min: 1024 }), text);
    if (typeof outcome === 'number') expect(parse()).toBe(outcome);
    else expect(parse).toThrow(new ValueError(outcome));
  });

  it.each([
    ['90', 's', 90], ['5', 'm', 300], ['2', 'h', 7200], ['1', 'd', 86400], ['-5', 's', -5],
    ['30s', 'm', 30], ['30m', 's', 1800], ['2h', 's', 7200], ['1d', 's', 86400], ['1h30m', 's', 5400],
    ['1H', 's', 3600], ['1d2h3m4s', 'm', 86400 + 7200 + 180 + 4], ['0s', 'm', 0],
  ] as const)('duration %j (bare unit %s) → %j seconds', (text, unit, value) => {
    expect(parseOptionValue(spec('duration', { unit }), text)).toBe(value);
  });

  it.each(['1.5h', '10x', 'h', '', '1 h', '-5m', 'm30', '5m-', 'ten minutes'])('duration %j is refused', (text) => {
    expect(() => parseOptionValue(spec('duration'), text)).toThrow(/^expected a duration: a number with an optional unit s, m, h or d/);
  });

  it.each([
    ['30m', 1800], ['29m', 'must be at least 1800 seconds'], ['30', 1800], ['29', 'must be at least 1800 seconds'],
  ])('duration with min 30 minutes (bare in minutes): %j → %j', (text, outcome) => {
    const parse = () => parseOptionValue(spec('duration', { unit: 'm', min: 1800 }), text);
    if (typeof outcome === 'number') expect(parse()).toBe(outcome);
    else expect(parse).toThrow(new ValueError(outcome));
  });

  it.each(['/var/lib/cyrus', '/', '{configdirectory}/socket/idle', ' /srv/x '])('path %j is accepted', (text) => {
    expect(parseOptionValue(spec('path'), text)).toBe(text.trim());
  });

  it.each(['var/lib/cyrus', '~/cyrus', '', 'configdirectory/x', 'C:\\cyrus'])('path %j is refused', (text) => {
    expect(() => parseOptionValue(spec('path'), text)).toThrow(new ValueError('expected an absolute path'));
  });

  it.each([
    ['cyrus root', ['cyrus', 'root']], ['cyrus,root', ['cyrus', 'root']], ['a | b|c', ['a', 'b', 'c']],
    ['  one  ', ['one']], ['', []], ['   ', []],
  ])('list %j → %j', (text, value) => {
    expect(parseOptionValue(spec('stringlist'), text)).toEqual(value);
  });
});

describe('imapd.conf files', () => {
  it('parses Debian stock imapd.conf without an error', () => {
    const config = ImapdConfig.load(join(fixtures, 'imapd.conf'));
    expect(config.configDirectory).toBe('/var/lib/cyrus');
    expect(config.partitions().get('default')).toBe('/var/spool/cyrus/mail');
    expect(config.partitions().get('news')).toBe('/var/spool/cyrus/news');
    expect(config.bool('hashimapspool')).toBe(true);
    expect(config.bool('altnamespace')).toBe(false);
    expect(config.warnings).toEqual([]);
    expect(readFileSync(join(fixtures, 'imapd.conf'), 'utf8')).toContain('configdirectory: /var/lib/cyrus');
  });

  it('types values by the option table and skips comments and blank lines', () => {
    const config = load(['', '# a comment', '   # an indented one', 'timeout: 45', 'maxlinelength: 128K',
      'admins: cyrus  root', 'serverinfo: MIN', 'servername:   mail.example.org  ', 'master_shutdown_timeout: 90'].join('\n'));
    expect(config.seconds('timeout')).toBe(45 * 60);
    expect(config.bytes('maxlinelength')).toBe(128 * 1024);
    expect(config.list('admins')).toEqual(['cyrus', 'root']);
    expect(config.enum('serverinfo')).toBe('min');
    expect(config.string('servername')).toBe('mail.example.org');
    expect(config.seconds('master_shutdown_timeout')).toBe(90);
    expect(config.path('idlesocket')).toBe('/x/socket/idle');
    expect(config.originOf('servername')).toEqual({ file: 'test.conf', line: 9 });
    expect(config.warnings).toEqual([]);
  });

  it('takes "./" and "../" paths relative to the file, and expands {configdirectory}', () => {
    const config = ImapdConfig.fromText('configdirectory: ./var\npartition-default: ../spool\nidlesocket: {configdirectory}/idle', '/etc/cyrus/imapd.conf');
    expect(config.configDirectory).toBe('/etc/cyrus/var');
    expect(config.partitions().get('default')).toBe('/etc/spool');
    expect(config.path('idlesocket')).toBe('/etc/cyrus/var/idle');
  });

  // Every row: the message names file, line, option and what is allowed.
  it.each([
    ['allowplaintext: maybe', 'allowplaintext', 'expected yes/no, on/off, true/false or 1/0'],
    ['partition_select_usage_reinit: many', 'partition_select_usage_reinit', 'expected a whole number'],
    ['partition_select_usage_reinit: -1', 'partition_select_usage_reinit', 'must be at least 0'],
    ['serverinfo: loud', 'serverinfo', 'expected one of: off, min, on'],
    ['loglevel: verbose', 'loglevel', 'expected one of: fatal, error, warn, info, debug, trace, silent'],
    ['maxlinelength: 10T', 'maxlinelength', 'expected a size: a number with an optional K, M or G suffix'],
    ['maxlinelength: 100', 'maxlinelength', 'must be 0 or at least 1024 bytes'],
    ['master_shutdown_timeout: soon', 'master_shutdown_timeout', 'expected a duration: a number with an optional unit s, m, h or d'],
    ['master_shutdown_timeout: 1.5h', 'master_shutdown_timeout', 'expected a duration'],
    ['master_restart_backoff: 0', 'master_restart_backoff', 'must be at least 1 seconds'],
    ['master_pidfile: var/run/master.pid', 'master_pidfile', 'expected an absolute path'],
    ['imap_allowplaintext: sometimes', 'imap_allowplaintext', 'expected yes/no, on/off, true/false or 1/0'],
    ['partition-default: var/spool', 'partition-default', 'expected an absolute path'],
    ['metapartition-default: meta', 'metapartition-default', 'expected an absolute path'],
    ['archivepartition-default: archive', 'archivepartition-default', 'expected an absolute path'],
    ['backuppartition-default: backup', 'backuppartition-default', 'expected an absolute path'],
    ['partition-: /srv/spool', 'partition-', 'partition names use letters, digits, "_", "." and "-"'],
    ['partition-a/b: /srv/spool', 'partition-a/b', 'partition names use letters, digits, "_", "." and "-"'],
    ['metapartition-mä: /srv/meta', 'metapartition-mä', 'partition names use letters, digits'],
    ['servername mail.example.org', 'servername mail.example.org', 'expected "option: value"'],
    ['servername host:143', 'servername host', 'expected "option: value" (an option name has no spaces)'],
    [': value', ': value', 'expected "option: value"'],
  ])('%j is refused', (text, option, allowed) => {
    const { message, problems } = refusal(text);
    expect(message).toContain(`test.conf:2: ${option}: `);
    expect(message).toContain(allowed);
    expect(problems).toEqual([expect.objectContaining({ file: 'test.conf', line: 2, option })]);
  });

  it('reports every bad line at once, each with its own line', () => {
    const { problems } = refusal('serverinfo: loud\n\nloglevel: verbose');
    expect(problems.map((p) => [p.line, p.option])).toEqual([[2, 'serverinfo'], [4, 'loglevel']]);
  });

  it.each(['partition', 'metapartition', 'archivepartition', 'backuppartition'] as const)('%s-NAME families hold name → path', (family) => {
    const config = load(`${family}-default: /srv/a\n${family}-big.2_x: {configdirectory}/b`);
    expect([...config.family(family)]).toEqual([['default', '/srv/a'], ['big.2_x', '/x/b']]);
    expect(config.warnings).toEqual([]);
  });

  it.each([
    ['servername: a\nservername: b', 'servername', 'b', 'servername set again (first at line 2); the later value wins'],
    ['partition-default: /a\npartition-default: /b', 'partition-default', '/b', 'partition-default set again (first at line 2); the later value wins'],
    ['imap_allowplaintext: no\nimap_allowplaintext: yes', 'imap_allowplaintext', 'yes', 'imap_allowplaintext set again (first at line 2); the later value wins'],
  ])('a setting given twice warns on the second line and the later value wins (%s)', (text, name, value, message) => {
    const config = load(text);
    expect(config.warnings).toEqual([{ file: 'test.conf', line: 3, message }]);
    expect(config.entries().find((e) => e.name === name)?.text).toBe(value);
  });

  it.each([
    ['no_such_thing: 1', 'unknown option "no_such_thing" ignored'],
    ['Partition_Sellect_Mode: random', 'unknown option "partition_sellect_mode" ignored'],
    ['imap_no_such_thing: 1', 'unknown option "imap_no_such_thing" ignored'],
  ])('unknown option %j warns with file and line and goes on', (text, message) => {
    const config = load(`servername: before\n${text}\nserverinfo: off`, 'w.conf');
    expect(config.warnings).toEqual([{ file: 'w.conf', line: 3, message }]);
    expect(config.string('servername')).toBe('before');
    expect(config.enum('serverinfo')).toBe('off');
  });

  it.each(['sievenotifier: mailto', 'lmtp_preparse: yes', 'sasl_whatever: 1', 'imap_lmtp_preparse: no'])(
    'option %j that Cyrus knows but this server does not use is kept without a warning',
    (text) => {
      const config = load(text);
      expect(config.warnings).toEqual([]);
      expect(config.unusedOptions().map((o) => o.name)).toEqual([text.slice(0, text.indexOf(':'))]);
    },
  );
});

describe('SERVICE_option overrides', () => {
  const text = [
    'imap_allowplaintext: yes', // before the plain option: order does not matter
    'allowplaintext: no',
    'lmtp_admins: postman',
    'admins: cyrus root',
    'plainb_allowplaintext: no',
    'my_imap_timeout: 60',
    'imaps_sasl_pwcheck_method: alwaystrue',
  ].join('\n');

  it.each([
    [null, 'allowplaintext', false], ['imap', 'allowplaintext', true], ['pop3', 'allowplaintext', false],
    ['plainb', 'allowplaintext', false], ['imaps', 'allowplaintext', false],
  ])('service %j sees switch %s = %j', (service, option, value) => {
    expect(load(text).forService(service).bool(option)).toBe(value);
  });

  it.each([
    [null, ['cyrus', 'root']], ['lmtp', ['postman']], ['lmtpunix', ['cyrus', 'root']], ['imap', ['cyrus', 'root']],
  ])('service %j sees admins %j', (service, value) => {
    expect(load(text).forService(service).list('admins')).toEqual(value);
  });

  it('a service name with "_" in it and an option with "_" in it are both found', () => {
    const config = load(text);
    expect(config.forService('my_imap').seconds('timeout')).toBe(60 * 60);
    expect(config.forService('my').seconds('timeout')).toBe(32 * 60);
    expect(config.forService('imaps').enum('sasl_pwcheck_method')).toBe('alwaystrue');
    expect(config.enum('sasl_pwcheck_method')).toBe('auxprop');
  });

  it('an override names its own line; the plain option keeps its own', () => {
    const config = load(text);
    expect(config.forService('imap').originOf('allowplaintext')).toEqual({ file: 'test.conf', line: 2 });
    expect(config.originOf('allowplaintext')).toEqual({ file: 'test.conf', line: 3 });
    expect(config.forService('imap').isSet('admins')).toBe(true);
    expect(config.forService('imap').isSet('servername')).toBe(false);
  });

  it('an override of an unset option beats the default only inside its service', () => {
    const config = load('imap_serverinfo: off');
    expect(config.forService('imap').enum('serverinfo')).toBe('off');
    expect(config.forService('pop3').enum('serverinfo')).toBe('on');
  });
});

describe('@include', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imapd-include-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('reads the included file relative to the including one, at the point of the line', () => {
    write('tls.conf', 'servername: from-include\ntls_versions: tls1_3\n');
    const main = write('main.conf', 'configdirectory: /x\nservername: first\n@include: tls.conf\nserverinfo: min\n');
    const config = ImapdConfig.load(main);
    expect(config.string('servername')).toBe('from-include');
    expect(config.list('tls_versions')).toEqual(['tls1_3']);
    expect(config.enum('serverinfo')).toBe('min');
    expect(config.originOf('tls_versions')).toEqual({ file: join(dir, 'tls.conf'), line: 2 });
    expect(config.warnings).toEqual([{ file: join(dir, 'tls.conf'), line: 1, message: `servername set again (first at ${main}:2); the later value wins` }]);
  });

  it('a bad value in an included file names that file and its line', () => {
    write('bad.conf', '# nothing\nserverinfo: loud\n');
    const main = write('main-bad.conf', 'configdirectory: /x\n@include: bad.conf\n');
    expect(() => ImapdConfig.load(main)).toThrow(`${join(dir, 'bad.conf')}:2: serverinfo: bad value "loud": expected one of: off, min, on`);
  });

  it('a missing include file is an error on the @include line', () => {
    const main = write('main-missing.conf', 'configdirectory: /x\n\n@include: nowhere.conf\n');
    expect(() => ImapdConfig.load(main)).toThrow(new RegExp(`^${main.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: @include: cannot read .*nowhere\\.conf`));
  });

  it('a file that includes itself stops with an error instead of looping', () => {
    const main = write('loop.conf', 'configdirectory: /x\n@include: loop.conf\n');
    expect(() => ImapdConfig.load(main)).toThrow(`${main}:2: @include: includes nested too deeply`);
  });
});
