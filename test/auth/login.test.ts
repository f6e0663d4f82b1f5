import { afterEach, describe, expect, it } from 'vitest';
import { ctx, expectKind, makeAuth } from './helpers.js';

let env: ReturnType<typeof makeAuth> | null = null;
afterEach(() => {
  env?.cleanup();
  env = null;
});

describe('LOGIN through the auxprop store', () => {
  it('accepts the right password and refuses wrong password and unknown user alike', async () => {
    env = makeAuth('admins: cyrus\n');
    await env.auth.store.setPassword('fred', 'secret');
    const id = await env.auth.login('Fred', 'secret', ctx());
    expect(id).toMatchObject({ userid: 'fred', localPart: 'fred', domain: null, isAdmin: false, isAnonymous: false });
    const wrong = await expectKind(env.auth.login('fred', 'nope', ctx()), 'AuthFailed');
    const unknown = await expectKind(env.auth.login('nobody', 'secret', ctx()), 'AuthFailed');
    expect(wrong.message).toBe(unknown.message);
    await expectKind(env.auth.login('bad!name', 'secret', ctx()), 'AuthFailed');
  });

  it('never stores the password in clear', async () => {
    env = makeAuth();
    await env.auth.store.setPassword('fred', 'VerySecretWord');
    env.auth.close();
    const fs = await import('node:fs');
    const bytes = fs.readFileSync(`${env.dir}/sasldb.sqlite`);
    expect(bytes.includes(Buffer.from('VerySecretWord'))).toBe(false);
  });

  it('refuses plaintext without TLS unless allowplaintext, and says privacy is required', async () => {
    env = makeAuth('allowplaintext: no\npop3_allowplaintext: yes\n');
    await env.auth.store.setPassword('fred', 'secret');
    const plain = ctx({ tls: false });
    expect(env.auth.plaintextAllowed(plain)).toBe(false);
    const err = await expectKind(env.auth.login('fred', 'secret', plain), 'NoPerm');
    expect(err.detail).toEqual({ privacyRequired: true });
    expect(env.auth.mechanisms(plain)).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-1']);
    expect(env.auth.mechanisms(ctx())).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN', 'LOGIN']);
    // pop3_allowplaintext beats allowplaintext for the pop3 service; a UNIX socket is trusted
    expect((await env.auth.login('fred', 'secret', ctx({ tls: false, service: 'pop3' }))).userid).toBe('fred');
    expect(env.auth.plaintextAllowed(ctx({ tls: false, unixSocket: true }))).toBe(true);
  });

  it('admins and SERVICE_admins', async () => {
    env = makeAuth('admins: cyrus\nimap_admins: cyrus boss\n');
    await env.auth.store.setPassword('boss', 'pw');
    expect((await env.auth.login('boss', 'pw', ctx())).isAdmin).toBe(true);
    expect((await env.auth.login('boss', 'pw', ctx({ service: 'pop3' }))).isAdmin).toBe(false);
  });

  it('anonymous LOGIN only with allowanonymouslogin', async () => {
    env = makeAuth('allowanonymouslogin: yes\n');
    const id = await env.auth.login('anonymous', 'me@example.org', ctx());
    expect(id).toMatchObject({ userid: 'anonymous', isAnonymous: true, isAdmin: false });
    expect(id.identifiers()).toEqual(['anonymous', 'anyone']);
    env.cleanup();
    env = makeAuth();
    await expectKind(env.auth.login('anonymous', 'x', ctx()), 'AuthFailed');
  });

  it('alwaystrue accepts anything and warns', async () => {
    const warnings: string[] = [];
    const { pino } = await import('pino');
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    env = makeAuth('sasl_pwcheck_method: alwaystrue\n', { logger });
    expect((await env.auth.login('whoever', 'x', ctx())).userid).toBe('whoever');
    expect(env.auth.mechanisms(ctx())).toEqual(['PLAIN', 'LOGIN']);
    expect(warnings.some((w) => w.includes('alwaystrue'))).toBe(true);
    expect(warnings.join('')).not.toContain('"x"');
  });

  it('userids: case, dots with and without unixhierarchysep', async () => {
    env = makeAuth('unixhierarchysep: yes\n');
    await env.auth.store.setPassword('john.smith', 'pw');
    expect((await env.auth.login('John.Smith', 'pw', ctx())).userid).toBe('john.smith');
    env.cleanup();
    env = makeAuth('unixhierarchysep: no\nusername_tolower: no\n');
    await env.auth.store.setPassword('john.smith', 'pw');
    await expectKind(env.auth.login('john.smith', 'pw', ctx()), 'AuthFailed');
    await env.auth.store.setPassword('Mixed', 'pw');
    await expectKind(env.auth.login('mixed', 'pw', ctx()), 'AuthFailed');
    expect((await env.auth.login('Mixed', 'pw', ctx())).userid).toBe('Mixed');
  });
});
