import { describe, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { UseridRules, domainOfHostname, saslprep } from '../../src/auth/index.js';
import { isMailError } from '../../src/common/errors.js';

const rules = (text: string) => new UseridRules(ImapdConfig.fromText(`configdirectory: /tmp/x\n${text}`));

describe('canonical userids', () => {
  it.each([
    // [config, login, connection domain, canonical or null when refused]
    ['', 'Fred', null, 'fred'],
    ['username_tolower: no', 'Fred', null, 'Fred'],
    ['', 'fred@example.com', null, 'fred'],
    ['', 'john.smith', null, 'john.smith'],
    ['unixhierarchysep: no', 'john.smith', null, null],
    ['', '.fred', null, null],
    ['', 'fr..ed', null, null],
    ['', 'fr^ed', null, null],
    ['', 'fr!ed', null, null],
    ['', 'fr ed', null, null],
    ['', 'fr/ed', null, null],
    ['', 'fr*ed', null, null],
    ['', '', null, null],
    ['', 'x'.repeat(256), null, null],
    ['virtdomains: userid', 'Fred@Example.COM', null, 'fred@example.com'],
    ['virtdomains: userid', 'fred%example.com', null, 'fred@example.com'],
    ['virtdomains: userid', 'fred@bad_domain!', null, null],
    ['virtdomains: userid\ndefaultdomain: example.com', 'fred@example.com', null, 'fred'],
    ['virtdomains: userid\ndefaultdomain: example.com', 'fred%EXAMPLE.com', null, 'fred'],
    ['virtdomains: userid', 'fred', 'ignored.org', 'fred'],
    ['virtdomains: on', 'fred', 'example.net', 'fred@example.net'],
    ['virtdomains: on\ndefaultdomain: example.net', 'fred', 'example.net', 'fred'],
    ['virtdomains: on', 'fred@other.org', 'example.net', 'fred@other.org'],
  ])('%j: %j (from %s) → %s', (config, login, connectionDomain, expected) => {
    expect(rules(config).tryCanonical(login, connectionDomain)).toBe(expected);
  });

  it('admins: global unqualified, domain qualified, per service', () => {
    const r = rules('virtdomains: userid\ndefaultdomain: isp.net\nadmins: Admin boss@example.com root@isp.net\npop3_admins: popper\n');
    expect(r.adminKind('admin', 'imap')).toBe('global');
    expect(r.adminKind('root', 'imap')).toBe('global');
    expect(r.adminKind('boss@example.com', 'imap')).toBe('domain');
    expect(r.adminKind('boss', 'imap')).toBeNull();
    expect(r.adminKind('admin', 'pop3')).toBeNull();
    expect(r.adminKind('popper', 'pop3')).toBe('global');
  });

  it.each([
    ['mail.example.com', 'example.com'],
    ['mail.example.com.', 'example.com'],
    ['MX1.Sub.Example.org', 'sub.example.org'],
    ['localhost', null],
  ])('the domain of host %s is %s', (host, domain) => {
    expect(domainOfHostname(host)).toBe(domain);
  });
});

describe('SASLprep', () => {
  it.each([
    ['I\u00adX', 'IX'],
    ['user', 'user'],
    ['USER', 'USER'],
    ['\u00aa', 'a'],
    ['\u2168', 'IX'],
    ['a\u00a0b', 'a b'],
  ])('%j → %j', (input, output) => {
    expect(saslprep(input)).toBe(output);
  });

  it.each(['\u0007', '\ue000', 'a\ud800b'])('refuses %j', (input) => {
    let caught: unknown;
    try {
      saslprep(input);
    } catch (err) {
      caught = err;
    }
    expect(isMailError(caught, 'Invalid')).toBe(true);
  });
});
