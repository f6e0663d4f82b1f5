// redirect-dsn and redirect-deliverby (RFC 6009 4 and 5): redirect's :notify / :ret and its
// deliver-by time, mode and trace, checked when written as constants and again when run.
import { describe, expect, it } from 'vitest';
import { parseDateTime, type SieveAction } from '../../src/sieve-script/index.js';
import { compileError, environment, message, outcome } from './helpers.js';

const msg = message(['From: boss@example.org', 'To: me@example.com', 'Subject: s', 'Message-ID: <1@example.org>']);
const NOW = new Date('2030-01-01T12:00:00Z');
const REQUIRE = 'require ["redirect-dsn", "redirect-deliverby", "variables", "copy"];\n';
const redirectOf = (source: string): Extract<SieveAction, { type: 'redirect' }> => {
  const out = outcome(REQUIRE + source, msg, environment({ now: NOW }));
  expect(out.error).toBeNull();
  return out.actions.find((a): a is Extract<SieveAction, { type: 'redirect' }> => a.type === 'redirect')!;
};

describe('redirect-dsn', () => {
  it.each([
    ['"NEVER"', 'NEVER'],
    ['"never"', 'NEVER'],
    ['"success"', 'SUCCESS'],
    ['"Failure, delay"', 'FAILURE,DELAY'],
    ['"SUCCESS,FAILURE,DELAY"', 'SUCCESS,FAILURE,DELAY'],
  ])(':notify %s is NOTIFY=%s', (written, smtp) => {
    expect(redirectOf(`redirect :notify ${written} "a@example.net";`).dsn).toEqual({ notify: smtp, ret: null });
  });

  it(':ret is RET (FULL or HDRS, in any case), :notify left to the MTA', () => {
    expect(redirectOf('redirect :ret "hdrs" "a@example.net";').dsn).toEqual({ notify: null, ret: 'HDRS' });
    expect(redirectOf('redirect :ret "Full" :notify "delay" "a@example.net";').dsn).toEqual({ notify: 'DELAY', ret: 'FULL' });
  });

  it('a plain redirect carries no DSN and no deliver-by', () => {
    const r = redirectOf('redirect "a@example.net";');
    expect(r).toEqual({ type: 'redirect', address: 'a@example.net' });
  });

  it('values from variables are checked when the script runs: a bad one is an error, and the message is kept', () => {
    expect(redirectOf('set "n" "success"; redirect :notify "${n}" "a@example.net";').dsn).toEqual({ notify: 'SUCCESS', ret: null });
    const out = outcome(`${REQUIRE}set "n" "sometimes";\nredirect :notify "\${n}" "a@example.net";`, msg, environment({ now: NOW }));
    expect(out.error).toBe('line 3: redirect: :notify "sometimes" must be "NEVER" or a comma-separated list of "SUCCESS", "FAILURE" and "DELAY"');
    expect(out.names).toEqual(['keep']);
    const ret = outcome(`${REQUIRE}set "r" "all";\nredirect :ret "\${r}" "a@example.net";`, msg, environment({ now: NOW }));
    expect(ret.error).toBe('line 3: redirect: :ret "all" must be "FULL" or "HDRS"');
  });

  it.each([
    ['redirect :notify "NEVER" "a@example.net";', 'require "redirect-deliverby";', 'line 2: :notify needs require "redirect-dsn"'],
    ['redirect :ret "FULL" "a@example.net";', '', 'line 2: :ret needs require "redirect-dsn"'],
    ['redirect :notify "BOGUS" "a@example.net";', 'require "redirect-dsn";',
      'line 2: redirect: :notify "BOGUS" must be "NEVER" or a comma-separated list of "SUCCESS", "FAILURE" and "DELAY"'],
    ['redirect :notify "NEVER,SUCCESS" "a@example.net";', 'require "redirect-dsn";',
      'line 2: redirect: :notify "NEVER,SUCCESS" must be "NEVER" or a comma-separated list of "SUCCESS", "FAILURE" and "DELAY"'],
    ['redirect :notify "SUCCESS,SUCCESS" "a@example.net";', 'require "redirect-dsn";',
      'line 2: redirect: :notify "SUCCESS,SUCCESS" must be "NEVER" or a comma-separated list of "SUCCESS", "FAILURE" and "DELAY"'],
    ['redirect :ret "ALL" "a@example.net";', 'require "redirect-dsn";', 'line 2: redirect: :ret "ALL" must be "FULL" or "HDRS"'],
    ['redirect :ret "FULL" :ret "HDRS" "a@example.net";', 'require "redirect-dsn";', 'line 2: redirect: :ret given twice'],
    ['redirect :notify ["SUCCESS", "DELAY"] "a@example.net";', 'require "redirect-dsn";', 'line 2: redirect: :notify needs a string'],
  ])('refuses %s', (source, require, error) => {
    expect(compileError(`${require}\n${source}`)).toBe(error);
  });
});

describe('redirect-deliverby', () => {
  it(':bytimerelative is the seconds left, mode return by default, no trace', () => {
    expect(redirectOf('redirect :bytimerelative 600 "a@example.net";').deliverBy).toEqual({ seconds: 600, mode: 'R', trace: false });
  });

  it(':bytimeabsolute is made the seconds from now; :bymode "notify" and :bytrace', () => {
    expect(redirectOf('redirect :bytimeabsolute "2030-01-01T13:00:00Z" :bymode "notify" :bytrace "a@example.net";').deliverBy)
      .toEqual({ seconds: 3600, mode: 'N', trace: true });
    // A zone offset counts: 14:30+02:00 is 12:30Z, half an hour from now.
    expect(redirectOf('redirect :bytimeabsolute "2030-01-01T14:30:00+02:00" "a@example.net";').deliverBy).toEqual({ seconds: 1800, mode: 'R', trace: false });
  });

  it('a time already past may still be sent in mode notify (a negative BY), and is an error in mode return', () => {
    expect(redirectOf('redirect :bytimeabsolute "2030-01-01T11:59:00Z" :bymode "notify" "a@example.net";').deliverBy)
      .toEqual({ seconds: -60, mode: 'N', trace: false });
    const late = outcome(`${REQUIRE}redirect :bytimeabsolute "2030-01-01T11:59:00Z" "a@example.net";`, msg, environment({ now: NOW }));
    expect(late.error).toBe('line 2: redirect: the deliver-by time leaves no time to deliver in mode "return"');
    expect(late.names).toEqual(['keep']);
  });

  it('an absolute time needs the current time from the caller', () => {
    const out = outcome(`${REQUIRE}redirect :bytimeabsolute "2030-01-01T13:00:00Z" "a@example.net";`, msg, environment());
    expect(out.error).toBe('line 2: redirect: :bytimeabsolute needs the current time, which is not known here');
  });

  it('values from variables are checked when run', () => {
    expect(redirectOf('set "t" "2030-01-01T12:10:00Z"; set "m" "NOTIFY"; redirect :bytimeabsolute "${t}" :bymode "${m}" "a@example.net";').deliverBy)
      .toEqual({ seconds: 600, mode: 'N', trace: false });
    const bad = outcome(`${REQUIRE}set "t" "tomorrow";\nredirect :bytimeabsolute "\${t}" "a@example.net";`, msg, environment({ now: NOW }));
    expect(bad.error).toBe('line 3: redirect: :bytimeabsolute "tomorrow" is not an RFC 3339 date-time');
    const mode = outcome(`${REQUIRE}set "m" "later";\nredirect :bytimerelative 60 :bymode "\${m}" "a@example.net";`, msg, environment({ now: NOW }));
    expect(mode.error).toBe('line 3: redirect: :bymode "later" must be "notify" or "return"');
  });

  it.each([
    ['redirect :bytimerelative 60 "a@example.net";', 'require "redirect-dsn";', 'line 2: :bytimerelative needs require "redirect-deliverby"'],
    ['redirect :bytimerelative 60 :bytimeabsolute "2030-01-01T00:00:00Z" "a@example.net";', 'require "redirect-deliverby";',
      'line 2: redirect: :bytimerelative and :bytimeabsolute cannot be used together'],
    ['redirect :bymode "notify" "a@example.net";', 'require "redirect-deliverby";', 'line 2: redirect: :bymode needs :bytimerelative or :bytimeabsolute'],
    ['redirect :bytrace "a@example.net";', 'require "redirect-deliverby";', 'line 2: redirect: :bytrace needs :bytimerelative or :bytimeabsolute'],
    ['redirect :bytimerelative 60 :bymode "whenever" "a@example.net";', 'require "redirect-deliverby";',
      'line 2: redirect: :bymode "whenever" must be "notify" or "return"'],
    ['redirect :bytimeabsolute "tomorrow" "a@example.net";', 'require "redirect-deliverby";',
      'line 2: redirect: :bytimeabsolute "tomorrow" is not an RFC 3339 date-time (such as "2030-01-31T18:00:00+01:00")'],
    ['redirect :bytimeabsolute "2030-02-30T00:00:00Z" "a@example.net";', 'require "redirect-deliverby";',
      'line 2: redirect: :bytimeabsolute "2030-02-30T00:00:00Z" is not an RFC 3339 date-time (such as "2030-01-31T18:00:00+01:00")'],
    ['redirect :bytimerelative 0 "a@example.net";', 'require "redirect-deliverby";', 'line 2: redirect: :bytimerelative 0 leaves no time to deliver in mode "return"'],
    ['redirect :bytimerelative 1000000000 "a@example.net";', 'require "redirect-deliverby";', 'line 2: redirect: :bytimerelative 1000000000 is more than 999999999 seconds'],
    ['redirect :bytimerelative "60" "a@example.net";', 'require "redirect-deliverby";', 'line 2: redirect: :bytimerelative needs a number'],
  ])('refuses %s', (source, require, error) => {
    expect(compileError(`${require}\n${source}`)).toBe(error);
  });

  it(':bytimerelative 0 is allowed in mode notify', () => {
    expect(redirectOf('redirect :bytimerelative 0 :bymode "notify" "a@example.net";').deliverBy).toEqual({ seconds: 0, mode: 'N', trace: false });
  });

  it.each([
    ['2030-01-31T18:00:00Z', Date.UTC(2030, 0, 31, 18)],
    ['2030-01-31t18:00:00.250z', Date.UTC(2030, 0, 31, 18, 0, 0, 250)],
    ['2030-01-31T18:00:00-05:30', Date.UTC(2030, 0, 31, 23, 30)],
    ['2028-02-29T00:00:00Z', Date.UTC(2028, 1, 29)],
    ['2030-01-31 18:00:00Z', null],
    ['2030-13-01T00:00:00Z', null],
    ['2029-02-29T00:00:00Z', null],
    ['2030-01-31T24:00:00Z', null],
    ['2030-01-31T18:00:00', null],
    ['2030-01-31T18:00:00+5:00', null],
  ])('parseDateTime(%s)', (text, ms) => {
    expect(parseDateTime(text)).toBe(ms);
  });
});

describe('redirect with both', () => {
  it('the same address twice is one redirect with the first one\'s parameters; the second, without :copy, still cancels the keep', () => {
    const out = outcome(`${REQUIRE}redirect :copy :notify "FAILURE" :bytimerelative 30 "a@example.net"; redirect :notify "NEVER" "A@example.net";`, msg, environment({ now: NOW }));
    expect(out.actions).toEqual([
      { type: 'redirect', address: 'a@example.net', dsn: { notify: 'FAILURE', ret: null }, deliverBy: { seconds: 30, mode: 'R', trace: false } },
    ]);
    expect(outcome(`${REQUIRE}redirect :copy :ret "HDRS" "a@example.net";`, msg, environment()).names).toEqual(['redirect', 'keep']);
  });
});
