import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace } from '../../src/names/index.js';
import { ctx, expectKind, makeAuth } from './helpers.js';

// The seed page's example: three domains, one global admin, two domain admins.
const CONFIG = `virtdomains: userid
defaultdomain: exampleisp.net
admins: admin lukecage.admin@hisdomain.com mercedesknight.admin@herdomain.net
allowplaintext: yes
`;

let env: ReturnType<typeof makeAuth>;
let ns: Namespace;
beforeAll(async () => {
  env = makeAuth(CONFIG);
  ns = Namespace.fromConfig(env.config);
  for (const u of ['admin', 'fred', 'lukecage@hisdomain.com', 'lukecage.admin@hisdomain.com', 'mercedesknight@herdomain.net', 'mercedesknight.admin@herdomain.net']) {
    await env.auth.store.setPassword(u, 'pw');
  }
});
afterAll(() => env.cleanup());

describe('virtdomains: userid', () => {
  it.each([
    ['lukecage@hisdomain.com', 'lukecage@hisdomain.com', 'hisdomain.com'],
    ['lukecage%hisdomain.com', 'lukecage@hisdomain.com', 'hisdomain.com'],
    ['LukeCage@HisDomain.COM', 'lukecage@hisdomain.com', 'hisdomain.com'],
    ['fred', 'fred', null],
    ['fred@exampleisp.net', 'fred', null],
    ['admin@exampleisp.net', 'admin', null],
  ])('login %s is %s', async (login, userid, domain) => {
    const id = await env.auth.login(login, 'pw', ctx());
    expect(id.userid).toBe(userid);
    expect(id.domain).toBe(domain);
  });

  it('a user of one domain is not the same-named user of another', async () => {
    await expectKind(env.auth.login('lukecage@herdomain.net', 'pw', ctx()), 'AuthFailed');
    await expectKind(env.auth.login('lukecage', 'pw', ctx()), 'AuthFailed');
  });

  it('global and domain admins', async () => {
    const global = await env.auth.login('admin', 'pw', ctx());
    expect(global).toMatchObject({ isAdmin: true, isDomainAdmin: false });
    const luke = await env.auth.login('lukecage.admin@hisdomain.com', 'pw', ctx());
    expect(luke).toMatchObject({ isAdmin: true, isDomainAdmin: true, domain: 'hisdomain.com' });
    const user = await env.auth.login('lukecage@hisdomain.com', 'pw', ctx());
    expect(user).toMatchObject({ isAdmin: false, isDomainAdmin: false });

    // the domain admin reaches its domain only
    expect(ns.toInternal('user/lukecage', luke)).toBe('hisdomain.com!user.lukecage');
    expect(() => ns.toInternal('user/mercedesknight@herdomain.net', luke)).toThrow();
    expect(ns.toExternal('herdomain.net!user.mercedesknight', luke)).toBeNull();
    // the global admin reaches all
    expect(ns.toInternal('user/mercedesknight@herdomain.net', global)).toBe('herdomain.net!user.mercedesknight');
    expect(ns.toExternal('hisdomain.com!user.lukecage', global)).toBe('user/lukecage@hisdomain.com');
    const plan = ns.listPatternToInternal('', '*@herdomain.net', global);
    expect(plan.match('herdomain.net!user.mercedesknight')).toBe('user/mercedesknight@herdomain.net');
    expect(plan.match('hisdomain.com!user.lukecage')).toBeNull();
    // the user sees its own INBOX, unqualified
    expect(ns.inboxOf(user)).toBe('hisdomain.com!user.lukecage');
    expect(ns.toExternal('hisdomain.com!user.lukecage', user)).toBe('INBOX');
  });

  it('a domain admin may act as users of its domain only; a global admin as anyone', async () => {
    const step = await env.auth.startSasl('PLAIN', ctx()).step(Buffer.from('lukecage\0lukecage.admin@hisdomain.com\0pw'));
    expect(step.kind === 'success' && step.identity.userid).toBe('lukecage@hisdomain.com');
    await expectKind(env.auth.startSasl('PLAIN', ctx()).step(Buffer.from('mercedesknight@herdomain.net\0lukecage.admin@hisdomain.com\0pw')), 'NoPerm');
    const any = await env.auth.startSasl('PLAIN', ctx()).step(Buffer.from('mercedesknight@herdomain.net\0admin\0pw'));
    expect(any.kind === 'success' && any.identity.userid).toBe('mercedesknight@herdomain.net');
  });
});

describe('virtdomains: on', () => {
  it('an unqualified login takes its domain from the local address', async () => {
    const lookups: string[] = [];
    const on = makeAuth('virtdomains: on\ndefaultdomain: exampleisp.net\nallowplaintext: yes\n', {
      reverseLookup: async (address) => {
        lookups.push(address);
        if (address === '192.0.2.1') return ['mail.hisdomain.com'];
        if (address === '192.0.2.2') return ['imap.exampleisp.net'];
        throw new Error('ENOTFOUND');
      },
    });
    try {
      await on.auth.store.setPassword('lukecage@hisdomain.com', 'pw');
      await on.auth.store.setPassword('fred', 'pw');
      expect((await on.auth.login('lukecage', 'pw', ctx({ localAddress: '192.0.2.1' }))).userid).toBe('lukecage@hisdomain.com');
      expect((await on.auth.login('lukecage', 'pw', ctx({ localAddress: '192.0.2.1' }))).userid).toBe('lukecage@hisdomain.com');
      expect(lookups).toEqual(['192.0.2.1']); // cached
      expect((await on.auth.login('fred', 'pw', ctx({ localAddress: '192.0.2.2' }))).userid).toBe('fred');
      expect((await on.auth.login('fred', 'pw', ctx({ localAddress: '192.0.2.9' }))).userid).toBe('fred');
      // the qualified userid takes precedence
      expect((await on.auth.login('fred@exampleisp.net', 'pw', ctx({ localAddress: '192.0.2.1' }))).userid).toBe('fred');
    } finally {
      on.cleanup();
    }
  });
});

describe('virtdomains: off', () => {
  it('only the local part counts', async () => {
    const off = makeAuth('allowplaintext: yes\n');
    try {
      await off.auth.store.setPassword('fred', 'pw');
      expect((await off.auth.login('fred@anything.org', 'pw', ctx())).userid).toBe('fred');
    } finally {
      off.cleanup();
    }
  });
});
