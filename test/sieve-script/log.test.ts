// vnd.cyrus.log: `log "text"` writes a line to the server's log (the outcome's `logs`, which the
// caller writes), also when the script fails afterwards; "x-cyrus-log" is its older name.
import { describe, expect, it } from 'vitest';
import { compileError, environment, message, outcome } from './helpers.js';

const msg = message(['From: boss@example.org', 'To: me@example.com', 'Subject: Quarterly report', 'Message-ID: <1@example.org>']);

describe('vnd.cyrus.log', () => {
  it('collects each line in order, variables expanded, and takes no action', () => {
    const out = outcome('require ["vnd.cyrus.log", "variables"];\nif header :matches "subject" "*" { log "subject: ${1}"; }\nlog "done";', msg, environment());
    expect(out.logs).toEqual(['subject: Quarterly report', 'done']);
    expect(out.names).toEqual(['keep']);
  });

  it('a script that logs nothing has no logs', () => {
    expect(outcome('require "vnd.cyrus.log"; keep;', msg, environment()).logs).toBeUndefined();
  });

  it('keeps the lines written before a runtime error', () => {
    const out = outcome('require ["vnd.cyrus.log", "ihave"];\nlog "before";\nerror "stop here";\nlog "after";', msg, environment());
    expect(out.error).toBe('line 3: error: stop here');
    expect(out.logs).toEqual(['before']);
  });

  it('"x-cyrus-log" is the same extension, for require and ihave', () => {
    expect(outcome('require "x-cyrus-log"; log "old name";', msg, environment()).logs).toEqual(['old name']);
    expect(outcome('require ["ihave", "fileinto"]; if ihave "x-cyrus-log" { log "in block"; fileinto "Yes"; }', msg, environment()).names).toEqual(['Yes']);
  });

  it.each([
    ['log "x";', '', 'line 2: "log" needs require "vnd.cyrus.log"'],
    ['log ["a", "b"];', 'require "vnd.cyrus.log";', 'line 2: log: argument 1 must be a string, not a string list'],
    ['log :level "warn" "x";', 'require "vnd.cyrus.log";', 'line 2: log: unknown tag ":level"'],
    ['log;', 'require "vnd.cyrus.log";', 'line 2: log: expected 1 argument after the tags, found 0'],
    ['log "a" "b";', 'require "vnd.cyrus.log";', 'line 2: log: expected 1 argument after the tags, found 2'],
  ])('refuses %s', (source, require, error) => {
    expect(compileError(`${require}\n${source}`)).toBe(error);
  });

  it('is refused when the server does not allow it', () => {
    expect(compileError('require "vnd.cyrus.log"; log "x";', ['fileinto'])).toBe('line 1: unsupported extension "vnd.cyrus.log"');
  });
});
