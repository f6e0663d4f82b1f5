import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctx, expectKind, makeAuth } from './helpers.js';
import { SASL_MAX_MESSAGE } from '../../src/auth/index.js';

let env: ReturnType<typeof makeAuth>;
beforeAll(async () => {
  env = makeAuth('admins: cyrus\nproxyservers: proxy\nallowanonymouslogin: yes\n');
  for (const [u, p] of [['fred', 'secret'], ['cyrus', 'adminpw'], ['proxy', 'proxypw'], ['joe', 'joepw']]) await env.auth.store.setPassword(u!, p!);
});
afterAll(() => env.cleanup());

const b = (s: string) => Buffer.from(s, 'utf8');

describe('PLAIN', () => {
  it.each([
    ['initial response', true],
    ['after an empty challenge', false],
  ])('succeeds with %s', async (_n, initial) => {
    const ex = env.auth.startSasl('plain', ctx());
    let step = await ex.step(initial ? b('\0fred\0secret') : null);
    if (!initial) {
      expect(step).toEqual({ kind: 'challenge', data: Buffer.alloc(0) });
      step = await ex.step(b('\0fred\0secret'));
    }
    expect(step.kind).toBe('success');
    if (step.kind === 'success') expect(step.identity.userid).toBe('fred');
  });

  it.each([
    ['wrong password', '\0fred\0nope', 'AuthFailed'],
    ['unknown user', '\0ghost\0secret', 'AuthFailed'],
    ['one NUL', 'fred\0secret', 'Invalid'],
    ['three NULs', '\0fred\0secret\0', 'Invalid'],
    ['empty user', '\0\0secret', 'Invalid'],
    ['empty password', '\0fred\0', 'Invalid'],
    ['authzid not allowed', 'joe\0fred\0secret', 'NoPerm'],
  ] as const)('%s → %s', async (_n, message, kind) => {
    await expectKind(env.auth.startSasl('PLAIN', ctx()).step(b(message)), kind);
  });

  it('refuses bytes that are not UTF-8', async () => {
    await expectKind(env.auth.startSasl('PLAIN', ctx()).step(Buffer.from([0, 0x66, 0, 0xff, 0xfe])), 'Invalid');
  });

  it('an over-long message is a Limit error', async () => {
    const long = Buffer.alloc(SASL_MAX_MESSAGE + 1, 0x61);
    await expectKind(env.auth.startSasl('PLAIN', ctx()).step(long), 'Limit');
  });

  it('admins and proxyservers may act as another user', async () => {
    for (const who of ['cyrus\0adminpw', 'proxy\0proxypw']) {
      const step = await env.auth.startSasl('PLAIN', ctx()).step(b(`fred\0${who}`));
      expect(step.kind === 'success' && step.identity).toMatchObject({ userid: 'fred', isAdmin: false, authenticatedAs: who.split('\0')[0] });
    }
    const self = await env.auth.startSasl('PLAIN', ctx()).step(b('fred\0fred\0secret'));
    expect(self.kind === 'success' && self.identity.authenticatedAs).toBe(null);
  });

  it('is not offered nor startable without TLS when allowplaintext is off', async () => {
    expect(env.auth.mechanisms(ctx({ tls: false }))).not.toContain('PLAIN');
    await expectKind(() => env.auth.startSasl('PLAIN', ctx({ tls: false })), 'Invalid');
  });
});

describe('LOGIN mechanism', () => {
  it('asks Username: then Password:', async () => {
    const ex = env.auth.startSasl('LOGIN', ctx());
    expect((await ex.step(null))).toEqual({ kind: 'challenge', data: b('Username:') });
    expect((await ex.step(b('fred')))).toEqual({ kind: 'challenge', data: b('Password:') });
    const done = await ex.step(b('secret'));
    expect(done.kind === 'success' && done.identity.userid).toBe('fred');
  });

  it('takes the user name as initial response; wrong password fails', async () => {
    const ex = env.auth.startSasl('LOGIN', ctx());
    expect((await ex.step(b('fred')))).toEqual({ kind: 'challenge', data: b('Password:') });
    await expectKind(ex.step(b('bad')), 'AuthFailed');
    await expectKind(ex.step(b('secret')), 'Invalid');
  });

  it('client cancel ends the exchange', async () => {
    const ex = env.auth.startSasl('LOGIN', ctx());
    await ex.step(null);
    ex.abort();
    await expectKind(ex.step(b('fred')), 'Invalid');
  });
});

describe('ANONYMOUS and EXTERNAL', () => {
  it('ANONYMOUS gives the anonymous identity', async () => {
    const step = await env.auth.startSasl('ANONYMOUS', ctx()).step(b('someone@example.org'));
    expect(step.kind === 'success' && step.identity).toMatchObject({ userid: 'anonymous', isAnonymous: true });
    await expectKind(env.auth.startSasl('ANONYMOUS', ctx()).step(b('x'.repeat(256))), 'Invalid');
  });

  it('EXTERNAL only on a UNIX socket, as the global admin or acting for a user', async () => {
    expect(env.auth.mechanisms(ctx())).not.toContain('EXTERNAL');
    const unix = ctx({ unixSocket: true, tls: false, service: 'lmtp' });
    expect(env.auth.mechanisms(unix)).toContain('EXTERNAL');
    const admin = await env.auth.startSasl('EXTERNAL', unix).step(b(''));
    expect(admin.kind === 'success' && admin.identity).toMatchObject({ userid: 'cyrus', isAdmin: true });
    const asFred = await env.auth.startSasl('EXTERNAL', unix).step(b('fred'));
    expect(asFred.kind === 'success' && asFred.identity).toMatchObject({ userid: 'fred', authenticatedAs: 'cyrus' });
  });

  it('sasl_mech_list limits what is offered', () => {
    const limited = makeAuth('sasl_mech_list: PLAIN SCRAM-SHA-256\n');
    try {
      expect(limited.auth.mechanisms(ctx())).toEqual(['SCRAM-SHA-256', 'PLAIN']);
    } finally {
      limited.cleanup();
    }
  });
});

describe('sasl_minimum_layer', () => {
  it('above 1 only TLS (or UNIX socket) sessions get mechanisms', () => {
    const strict = makeAuth('sasl_minimum_layer: 56\nallowplaintext: yes\n');
    try {
      expect(strict.auth.mechanisms(ctx({ tls: false }))).toEqual([]);
      expect(strict.auth.mechanisms(ctx({ tls: true }))).toContain('SCRAM-SHA-256');
    } finally {
      strict.cleanup();
    }
  });
});
