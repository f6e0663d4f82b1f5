import { describe, expect, it } from 'vitest';
import { systemReverseLookup, unmapAddress } from '../../src/auth/index.js';
import { ctx, makeAuth } from './helpers.js';

describe('virtdomains: on, local address lookup', () => {
  it.each([
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:198.51.100.20', '198.51.100.20'],
    ['192.0.2.1', '192.0.2.1'],
    ['2001:db8::1', '2001:db8::1'],
    ['::1', '::1'],
    ['fe80::1%eth0', 'fe80::1%eth0'],
    ['::ffff:c000:201', '::ffff:c000:201'],
  ])('%s is looked up as %s', (address, expected) => expect(unmapAddress(address)).toBe(expected));

  it.each([
    // [local address of the connection, login, userid]
    ['::ffff:192.0.2.1', 'lukecage', 'lukecage@hisdomain.com'],
    ['192.0.2.1', 'lukecage', 'lukecage@hisdomain.com'],
    ['2001:db8::25', 'lukecage', 'lukecage@hisdomain.com'],
    ['::ffff:192.0.2.2', 'fred', 'fred'],
    ['::ffff:192.0.2.9', 'fred', 'fred'],
  ])('a client reaching %s as %s is %s', async (localAddress, login, userid) => {
    const asked: string[] = [];
    const env = makeAuth('virtdomains: on\ndefaultdomain: exampleisp.net\nallowplaintext: yes\n', {
      reverseLookup: async (address) => {
        asked.push(address);
        if (address === '192.0.2.1' || address === '2001:db8::25') return ['mail.hisdomain.com'];
        if (address === '192.0.2.2') return ['imap.exampleisp.net'];
        throw new Error('ENOTFOUND');
      },
    });
    try {
      await env.auth.store.setPassword('lukecage@hisdomain.com', 'pw');
      await env.auth.store.setPassword('fred', 'pw');
      expect((await env.auth.login(login, 'pw', ctx({ localAddress }))).userid).toBe(userid);
      expect(asked).toEqual([unmapAddress(localAddress)]);
    } finally {
      env.cleanup();
    }
  });

  it('the system resolver answers from /etc/hosts and never with a bare number', async () => {
    const names = await systemReverseLookup('127.0.0.1');
    expect(names.length).toBe(1);
    expect(names[0]).toMatch(/[a-z]/i);
    expect(names[0]).not.toBe('127.0.0.1');
  });
});
