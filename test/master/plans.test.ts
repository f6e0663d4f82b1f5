import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planCommand, splitCommandLine } from '../../src/master/programs.js';
import { nextRunAfter } from '../../src/master/events.js';
import { RestartBackoff } from '../../src/master/backoff.js';
import { refusalText } from '../../src/master/refusal.js';
import { provideServicePrograms } from '../../src/master/service.js';

// The entry point hands the master its service programs; the plans only need their names.
const unused = () => Promise.reject(new Error('not loaded in this test'));
provideServicePrograms({ imapd: unused, pop3d: unused, lmtpd: unused });

const bin = mkdtempSync(join(tmpdir(), 'cyrusts-plans-'));
writeFileSync(join(bin, 'mytool'), '#!/bin/sh\nexit 0\n');
chmodSync(join(bin, 'mytool'), 0o755);
afterAll(() => rmSync(bin, { recursive: true, force: true }));

const ours = new Set(['master', 'cyr_info', 'reconstruct', 'cyr_expire']);

describe('cmd= → what runs', () => {
  it.each([
    ['imapd -U 30', { kind: 'service', program: 'imapd', args: ['-U', '30'] }],
    ['/usr/lib/cyrus/bin/pop3d -s', { kind: 'service', program: 'pop3d', args: ['-s'] }],
    ['/usr/sbin/cyrus lmtpd -a', { kind: 'service', program: 'lmtpd', args: ['-a'] }],
    ['/usr/sbin/cyrus reconstruct -r user/x', { kind: 'subcommand', name: 'reconstruct', args: ['-r', 'user/x'] }],
    ['/usr/sbin/cyrus expire -E 3', { kind: 'subcommand', name: 'cyr_expire', args: ['-E', '3'] }],
    ['/usr/sbin/cyrus ctl_cyrusdb -r', { kind: 'builtin', program: 'ctl_cyrusdb' }],
    ['ctl_cyrusdb -c', { kind: 'builtin', program: 'ctl_cyrusdb' }],
    ['idled', { kind: 'builtin', program: 'idled' }],
    ['/usr/sbin/cyrus tls_prune', { kind: 'builtin', program: 'tls_prune' }],
    ['notifyd', { kind: 'builtin', program: 'notifyd' }],
    [`mytool --flag 'two words'`, { kind: 'external', path: join(bin, 'mytool'), args: ['--flag', 'two words'] }],
    [`${join(bin, 'mytool')} x`, { kind: 'external', path: join(bin, 'mytool'), args: ['x'] }],
    ['/usr/sbin/cyrus fetchnews -a news.example.org', { kind: 'missing', program: 'fetchnews' }],
    ['nntpd -U 30', { kind: 'missing', program: 'nntpd' }],
    ['/nonexistent/bin/thing', { kind: 'missing', program: 'thing' }],
  ])('%s', (cmd, expected) => {
    expect(planCommand(cmd, ours, bin)).toMatchObject(expected);
  });

  it.each([
    ['a b  c', ['a', 'b', 'c']],
    [`sh -c 'echo "hi there"; exit 1'`, ['sh', '-c', 'echo "hi there"; exit 1']],
    ['a\\ b "c d" \'\'', ['a b', 'c d', '']],
  ])('splitCommandLine(%j)', (text, words) => expect(splitCommandLine(text)).toEqual(words));

  it('refuses an unterminated quote', () => expect(() => splitCommandLine(`sh -c 'x`)).toThrow(/unterminated/));
});

describe('EVENTS timing', () => {
  const at = (h: number, m: number, day = 10) => new Date(2026, 0, day, h, m, 0, 0).getTime();
  it.each([
    ['period: at once when never run', { period: 30, at: null }, at(12, 0), null, at(12, 0)],
    ['period: one period after the last run', { period: 30, at: null }, at(12, 5), at(12, 0), at(12, 30)],
    ['at: later today', { period: 0, at: 4 * 60 + 1 }, at(3, 0), null, at(4, 1)],
    ['at: tomorrow when passed', { period: 0, at: 4 * 60 + 1 }, at(4, 1), null, at(4, 1, 11)],
    ['both: whichever first', { period: 60, at: 12 * 60 + 30 }, at(12, 10), at(12, 0), at(12, 30)],
    ['neither: never again', { period: 0, at: null }, at(12, 0), at(12, 0), null],
  ])('%s', (_, entry, now, last, expected) => {
    expect(nextRunAfter(entry, now, last)).toBe(expected);
  });
});

describe('restart back-off', () => {
  it('restarts a long-lived worker at once and doubles for quick deaths up to the cap', () => {
    const b = new RestartBackoff(2000, 250, 10_000);
    expect(b.nextDelay(60_000)).toBe(0);
    expect([b.nextDelay(100), b.nextDelay(100), b.nextDelay(100), b.nextDelay(100), b.nextDelay(100)]).toEqual([250, 500, 1000, 2000, 2000]);
    expect(b.consecutiveQuickDeaths).toBe(5);
    expect(b.shouldReportLoop(1_000_000)).toBe(true);
    expect(b.shouldReportLoop(1_000_500)).toBe(false);
    expect(b.nextDelay(20_000)).toBe(0);
    expect(b.consecutiveQuickDeaths).toBe(0);
  });
});

describe('refusals', () => {
  it.each([
    ['imapd', /^\* BYE \[UNAVAILABLE\] mx too many connections to service imap, try again later\r\n$/],
    ['pop3d', /^-ERR \[SYS\/TEMP\] /],
    ['lmtpd', /^421 4\.3\.2 mx /],
    ['timsieved', /^BYE \(TRYLATER\) "mx too many connections to service imap, try again later"\r\n$/],
  ])('%s', (program, re) => expect(refusalText(program, 'imap', 'mx')).toMatch(re));
  it('closes silently for a program without a known protocol', () => expect(refusalText('other', 'x', 'mx')).toBeNull());
});
