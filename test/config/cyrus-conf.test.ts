import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { CyrusConfError, DEFAULT_MAXCHILD, parseAt, parseCyrusConf, splitArguments } from '../../src/config/cyrus-conf.js';
import { formatListen, parseEtcServices, parseListen, servicePort } from '../../src/config/cyrus-conf-listen.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'debian');

function problem(text: string): string {
  try {
    parseCyrusConf(text, '/etc/cyrus.conf');
  } catch (err) {
    expect(err).toBeInstanceOf(CyrusConfError);
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('cyrus.conf', () => {
  it("parses Debian's stock cyrus.conf without an error", () => {
    const conf = parseCyrusConf(readFileSync(join(fixtures, 'cyrus.conf'), 'utf8'), join(fixtures, 'cyrus.conf'));
    expect(conf.start.map((e) => e.name)).toEqual(['recover', 'delprune', 'tlsprune']);
    expect(conf.services.map((e) => e.name)).toEqual(['imap', 'pop3', 'nntp', 'http', 'lmtpunix', 'sieve', 'notify']);
    expect(conf.events.map((e) => [e.name, e.period, e.at])).toEqual([
      ['checkpoint', 30, null],
      ['delprune', 0, 241],
      ['tlsprune', 0, 241],
      ['deleteprune', 0, 270],
      ['expungeprune', 0, 285],
    ]);
    const imap = conf.services[0]!;
    expect(imap).toMatchObject({ cmd: 'imapd -U 30', listen: { kind: 'tcp', host: null, port: 143 }, prefork: availableParallelism(), maxchild: 100, line: 31 });
    expect(conf.services.find((s) => s.name === 'lmtpunix')!.listen).toEqual({ kind: 'unix', path: '/run/cyrus/socket/lmtp' });
    expect(conf.services.find((s) => s.name === 'sieve')!.listen).toEqual({ kind: 'tcp', host: 'localhost', port: 4190 });
    expect(conf.services.find((s) => s.name === 'notify')).toMatchObject({ proto: 'udp', prefork: 1, maxchild: DEFAULT_MAXCHILD });
  });

  it.each([
    ['all keys', 'SERVICES {\n imaps cmd="imapd -s" listen="[::1]:993" proto=tcp6 prefork=3 maxchild=7 babysit=1 maxforkrate=5 maxfds=1024\n}', { name: 'imaps', proto: 'tcp6', prefork: 3, maxchild: 7, babysit: true, maxforkrate: 5, maxfds: 1024, listen: { kind: 'tcp', host: '::1', port: 993 } }],
    ['defaults', 'SERVICES {\n imap cmd="imapd" listen="1143"\n}', { proto: 'tcp', prefork: availableParallelism(), maxchild: DEFAULT_MAXCHILD, babysit: false, maxforkrate: 0, maxfds: 256 }],
    ['babysit raises maxforkrate to 10', 'SERVICES {\n imap cmd="imapd" listen=1143 babysit=true\n}', { babysit: true, maxforkrate: 10 }],
    ['prefork=0 runs one worker per core', 'SERVICES {\n imap cmd="imapd" listen=143 prefork=0\n}', { prefork: availableParallelism() }],
    ['maxchild=-1 means no limit', 'SERVICES {\n imap cmd="imapd" listen=143 maxchild=-1\n}', { maxchild: -1 }],
    ['brace on its own line, comment after an entry', 'SERVICES\n{\n imap cmd="imapd" listen="127.0.0.1:143" # main\n}', { listen: { kind: 'tcp', host: '127.0.0.1', port: 143 }, line: 3 }],
    ['# inside a quoted cmd', 'SERVICES {\n imap cmd="imapd -x #1" listen=143\n}', { cmd: 'imapd -x #1' }],
  ])('SERVICES: %s', (_, text, expected) => {
    expect(parseCyrusConf(text, '/etc/cyrus.conf').services[0]).toMatchObject(expected);
  });

  it('reads EVENTS period/at and DAEMON wait', () => {
    const conf = parseCyrusConf('EVENTS {\n a cmd="x" period=5\n b cmd="y" at=0930 period=60\n c cmd="z"\n}\nDAEMON {\n idled cmd="idled" wait=y\n other cmd="o"\n}\n');
    expect(conf.events.map((e) => [e.name, e.period, e.at])).toEqual([['a', 5, null], ['b', 60, 570], ['c', 0, null]]);
    expect(conf.daemon.map((d) => [d.name, d.wait])).toEqual([['idled', true], ['other', false]]);
  });

  it('takes ./ and ../ UNIX socket paths relative to the file', () => {
    const conf = parseCyrusConf('SERVICES {\n lmtp cmd="lmtpd" listen="../var/lmtp"\n}', '/srv/cyrus/conf/cyrus.conf');
    expect(conf.services[0]!.listen).toEqual({ kind: 'unix', path: '/srv/cyrus/var/lmtp' });
  });

  it.each([
    ['unknown section', 'FOO {\n}', '/etc/cyrus.conf:1: expected a section (START, SERVICES, EVENTS, DAEMON) followed by "{"'],
    ['missing brace', 'START\n a cmd="x"\n}', '/etc/cyrus.conf:1: expected "{" after section START'],
    ['unclosed section', 'START {\n a cmd="x"\n', 'section START is not closed'],
    ['text after brace', 'START { a cmd="x"\n}', '/etc/cyrus.conf:1: unexpected text after "START {"'],
    ['name with punctuation', 'START {\n my_job cmd="x"\n}', '/etc/cyrus.conf:2: entry name "my_job" may hold only letters and digits'],
    ['missing cmd', 'START {\n a\n}', '/etc/cyrus.conf:2: START a: cmd="..." is required'],
    ['unknown key', 'START {\n a cmd="x" listen=1\n}', '/etc/cyrus.conf:2: START a: unknown argument "listen" in START'],
    ['key twice', 'START {\n a cmd="x" cmd="y"\n}', '/etc/cyrus.conf:2: a: cmd given twice'],
    ['unterminated quote', 'START {\n a cmd="x\n}', '/etc/cyrus.conf:2: a: unterminated quoted value of cmd'],
    ['no key=value', 'START {\n a cmd="x" junk\n}', '/etc/cyrus.conf:2: a: expected key=value at "junk"'],
    ['missing listen', 'SERVICES {\n imap cmd="imapd"\n}', '/etc/cyrus.conf:2: SERVICES imap: listen="..." is required'],
    ['duplicate service', 'SERVICES {\n imap cmd="imapd" listen=1\n imap cmd="imapd" listen=2\n}', '/etc/cyrus.conf:3: SERVICES imap: service name "imap" is used twice'],
    ['bad prefork', 'SERVICES {\n imap cmd="imapd" listen=1 prefork=two\n}', '/etc/cyrus.conf:2: SERVICES imap: prefork=two: expected a whole number'],
    ['negative prefork', 'SERVICES {\n imap cmd="imapd" listen=1 prefork=-1\n}', 'prefork=-1: must be at least 0'],
    ['maxchild below -1', 'SERVICES {\n imap cmd="imapd" listen=1 maxchild=-2\n}', 'maxchild=-2: must be at least -1'],
    ['bad proto', 'SERVICES {\n imap cmd="imapd" listen=1 proto=sctp\n}', 'proto=sctp: expected one of tcp, tcp4, tcp6, udp, udp4, udp6'],
    ['bad babysit', 'SERVICES {\n imap cmd="imapd" listen=1 babysit=maybe\n}', 'babysit=maybe: expected yes/no'],
    ['bad listen port', 'SERVICES {\n imap cmd="imapd" listen="host:99999"\n}', 'listen=host:99999: port 99999 is above 65535'],
    ['unknown service name', 'SERVICES {\n imap cmd="imapd" listen="nosuchservice"\n}', 'unknown service name "nosuchservice"'],
    ['bare IPv6', 'SERVICES {\n imap cmd="imapd" listen="::1:143"\n}', 'write an IPv6 address in brackets'],
    ['bad at', 'EVENTS {\n e cmd="x" at=2460\n}', '/etc/cyrus.conf:2: EVENTS e: at=2460: expected a time of day as HHMM'],
    ['bad period', 'EVENTS {\n e cmd="x" period=1h\n}', 'period=1h: expected a whole number'],
    ['bad wait', 'DAEMON {\n d cmd="x" wait=perhaps\n}', 'wait=perhaps: expected yes/no'],
  ])('refuses %s with file:line', (_, text, message) => {
    expect(problem(text)).toContain(message);
  });

  it('reports every problem, not only the first', () => {
    const message = problem('START {\n a\n b cmd="x" y=1\n}\n');
    expect(message.split('\n')).toHaveLength(2);
  });
});

describe('listen= and arguments', () => {
  it.each([
    ['143', { kind: 'tcp', host: null, port: 143 }, '*:143'],
    ['imap', { kind: 'tcp', host: null, port: 143 }, '*:143'],
    ['localhost:lmtp', { kind: 'tcp', host: 'localhost', port: 24 }, 'localhost:24'],
    ['127.0.0.1:0', { kind: 'tcp', host: '127.0.0.1', port: 0 }, '127.0.0.1:0'],
    ['[::1]:4190', { kind: 'tcp', host: '::1', port: 4190 }, '[::1]:4190'],
    ['/run/cyrus/socket/lmtp', { kind: 'unix', path: '/run/cyrus/socket/lmtp' }, '/run/cyrus/socket/lmtp'],
    ['./lmtp', { kind: 'unix', path: '/base/lmtp' }, '/base/lmtp'],
  ])('%s', (text, address, shown) => {
    const parsed = parseListen(text, '/base');
    expect(parsed).toEqual(address);
    expect(formatListen(parsed)).toBe(shown);
  });

  it('reads /etc/services with aliases and falls back to the mail ports', () => {
    const table = parseEtcServices('imap2\t\t143/tcp\t\timap\t# Interim Mail Access P 2 and 4\nfoo 9/udp\nbar 77/tcp baz\n');
    expect(table.get('imap')).toBe(143);
    expect(table.get('baz')).toBe(77);
    expect(table.has('foo')).toBe(false);
    expect(servicePort('pop3s', new Map())).toBe(995);
    expect(servicePort('sieve', new Map())).toBe(4190);
    expect(servicePort('nope', new Map())).toBeNull();
  });

  it.each([
    ['a=1 b="two words"  c=', [['a', '1'], ['b', 'two words'], ['c', '']]],
    ['CMD="x"', [['cmd', 'x']]],
    ['', []],
  ])('splitArguments(%j)', (text, pairs) => {
    expect(splitArguments(text)).toEqual(pairs);
  });

  it.each([['0000', 0], ['401', 241], ['2359', 1439]])('at=%s', (text, minutes) => expect(parseAt(text)).toBe(minutes));
});
