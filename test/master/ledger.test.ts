import { describe, expect, it } from 'vitest';
import { ConnectionLedger, hostKey, type ServiceLimits } from '../../src/master/ledger.js';

const limits = (over: Partial<ServiceLimits> = {}): ServiceLimits => ({
  maxchild: -1, preloginPerHost: 0, loginsPerHost: 0, loginsPerUser: 0, loginsPerUserHost: 0, ...over,
});

describe('ConnectionLedger', () => {
  it('refuses over maxchild, counting every connection whatever its state', () => {
    const ledger = new ConnectionLedger();
    const l = limits({ maxchild: 2 });
    const a = ledger.open('192.0.2.1');
    ledger.login(a, 'fred', l);
    ledger.open('192.0.2.2');
    expect(ledger.refusal('192.0.2.3', l)).toBe('maxchild');
    ledger.close(a);
    expect(ledger.refusal('192.0.2.3', l)).toBeNull();
  });

  it('counts connections not logged in per address; a login, a trusted pass or a close frees the place', () => {
    const ledger = new ConnectionLedger();
    const l = limits({ preloginPerHost: 2 });
    const [a, b] = [ledger.open('192.0.2.1'), ledger.open('192.0.2.1')];
    expect(ledger.refusal('192.0.2.1', l)).toBe('host');
    expect(ledger.refusal('192.0.2.9', l)).toBeNull();
    expect(ledger.refusal(null, l)).toBeNull();
    expect(ledger.login(a, 'fred', l)).toBeNull();
    expect(ledger.refusal('192.0.2.1', l)).toBeNull();
    const c = ledger.open('192.0.2.1');
    ledger.pass(c);
    expect(ledger.preloginFrom('192.0.2.1')).toBe(1);
    ledger.close(b);
    expect(ledger.preloginFrom('192.0.2.1')).toBe(0);
  });

  it.each([
    ['maxlogins_per_user_host', limits({ loginsPerUserHost: 1 }), ['fred', '192.0.2.1'], ['fred', '192.0.2.2'], null],
    ['maxlogins_per_user', limits({ loginsPerUser: 1 }), ['fred', '192.0.2.1'], ['bob', '192.0.2.1'], ['fred', '192.0.2.2']],
    ['maxlogins_per_host', limits({ loginsPerHost: 1 }), ['fred', '192.0.2.1'], ['fred', '192.0.2.2'], ['bob', '192.0.2.1']],
  ])('%s: refuses the login over it, allows it elsewhere, and again once one has gone', (name, l, first, allowed, refusedToo) => {
    const ledger = new ConnectionLedger();
    const one = ledger.open(first[1]!);
    expect(ledger.login(one, first[0]!, l)).toBeNull();
    const two = ledger.open(first[1]!);
    expect(ledger.login(two, first[0]!, l)).toContain(name);
    expect(ledger.login(ledger.open(allowed[1]!), allowed[0]!, l)).toBeNull();
    // Something the same limit still counts is refused as well (a refused login was not counted).
    if (refusedToo) expect(ledger.login(ledger.open(refusedToo[1]!), refusedToo[0]!, l)).toContain(name);
    ledger.close(one);
    expect(ledger.login(two, first[0]!, l)).toBeNull();
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 client', () => {
    expect(hostKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(hostKey('2001:db8::1')).toBe('2001:db8::1');
    expect(hostKey(undefined)).toBeNull();
  });
});
