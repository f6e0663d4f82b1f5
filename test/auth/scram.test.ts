import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScramMechanism } from '../../src/auth/sasl/scram.js';
import { scramKeys, type ScramHash } from '../../src/auth/scram-keys.js';
import type { MechanismEnv } from '../../src/auth/sasl/types.js';
import { Authenticator } from '../../src/auth/index.js';
import { ctx, expectKind, makeAuth } from './helpers.js';

/** A SCRAM client written from RFC 5802 section 3, independent of the server code. */
class ScramClient {
  private clientFirstBare = '';
  private authMessage = '';
  private saltedPassword = Buffer.alloc(0);
  constructor(
    private readonly hash: ScramHash,
    private readonly user: string,
    private readonly password: string,
    private readonly clientNonce = randomBytes(12).toString('base64'),
    private readonly gs2 = 'n,,',
  ) {}

  first(): Buffer {
    this.clientFirstBare = `n=${this.user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${this.clientNonce}`;
    return Buffer.from(this.gs2 + this.clientFirstBare);
  }

  final(serverFirst: Buffer, tamper?: (m: string) => string): Buffer {
    const text = serverFirst.toString();
    const fields = Object.fromEntries(text.split(',').map((f) => [f[0], f.slice(2)]));
    const nonce = fields.r!;
    if (!nonce.startsWith(this.clientNonce)) throw new Error('server nonce does not extend ours');
    const len = this.hash === 'sha1' ? 20 : 32;
    this.saltedPassword = pbkdf2Sync(this.password, Buffer.from(fields.s!, 'base64'), Number(fields.i), len, this.hash);
    const withoutProof = `c=${Buffer.from(this.gs2).toString('base64')},r=${nonce}`;
    this.authMessage = `${this.clientFirstBare},${text},${withoutProof}`;
    const clientKey = createHmac(this.hash, this.saltedPassword).update('Client Key').digest();
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const signature = createHmac(this.hash, storedKey).update(this.authMessage).digest();
    const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]!));
    const message = `${withoutProof},p=${proof.toString('base64')}`;
    return Buffer.from(tamper ? tamper(message) : message);
  }

  verifyServer(serverFinal: Buffer): boolean {
    const serverKey = createHmac(this.hash, this.saltedPassword).update('Server Key').digest();
    const expected = createHmac(this.hash, serverKey).update(this.authMessage).digest('base64');
    return serverFinal.toString() === `v=${expected}`;
  }
}

function vectorEnv(hash: ScramHash, salt: string, serverNonce: string): MechanismEnv {
  const keys = scramKeys(hash, 'pencil', Buffer.from(salt, 'base64'), 4096);
  return {
    checkPassword: () => Promise.reject(new Error('unused')),
    scramLookup: async (login) => (login === 'user' ? { userid: 'user', credentials: keys } : { userid: null, credentials: null, fakeSalt: Buffer.alloc(16) }),
    defaultIterations: 4096,
    nonce: () => serverNonce,
  };
}

describe('SCRAM test vectors', () => {
  it.each([
    ['sha256', 'RFC 7677', 'rOprNGfwEbeRWgbNEkqO', '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0', 'W22ZaJ0SNY7soEsUEjb6gQ==',
      'p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='],
    ['sha1', 'RFC 5802', 'fyko+d2lbbFgONRv9qkxdawL', '3rfcNHYJY1ZVvWVs7j', 'QSXCR+Q6sek8bf92',
      'p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=', 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ='],
  ] as const)('%s (%s)', async (hash, _rfc, cnonce, snonce, salt, proof, verifier) => {
    const mech = new ScramMechanism(hash, vectorEnv(hash, salt, snonce));
    const first = await mech.step(Buffer.from(`n,,n=user,r=${cnonce}`));
    expect(first).toEqual({ kind: 'challenge', data: Buffer.from(`r=${cnonce}${snonce},s=${salt},i=4096`) });
    const done = await mech.step(Buffer.from(`c=biws,r=${cnonce}${snonce},${proof}`));
    expect(done.kind === 'done' && done.result).toEqual({ kind: 'user', userid: 'user', authzid: '', data: Buffer.from(verifier) });
  });
});

let env: ReturnType<typeof makeAuth>;
beforeAll(async () => {
  env = makeAuth('admins: cyrus\nallowplaintext: no\n');
  await env.auth.store.setPassword('fred', 'pencil');
  await env.auth.store.setPassword('cyrus', 'adminpw');
  await env.auth.store.setPassword('joe', 'joepw');
});
afterAll(() => env.cleanup());

async function run(hash: ScramHash, client: ScramClient, tamper?: (m: string) => string) {
  const ex = env.auth.startSasl(hash === 'sha1' ? 'SCRAM-SHA-1' : 'SCRAM-SHA-256', ctx({ tls: false }));
  const serverFirst = await ex.step(client.first());
  if (serverFirst.kind !== 'challenge') throw new Error('expected a challenge');
  return { ex, step: await ex.step(client.final(serverFirst.data, tamper)) };
}

describe('SCRAM against the password store (no TLS needed)', () => {
  it.each(['sha1', 'sha256'] as const)('%s: right password, server signature verifies', async (hash) => {
    const client = new ScramClient(hash, 'fred', 'pencil');
    const { step } = await run(hash, client);
    expect(step.kind).toBe('success');
    if (step.kind !== 'success') return;
    expect(step.identity.userid).toBe('fred');
    expect(client.verifyServer(step.data!)).toBe(true);
  });

  it.each(['sha1', 'sha256'] as const)('%s: wrong password and unknown user both fail late', async (hash) => {
    await expectKind(run(hash, new ScramClient(hash, 'fred', 'wrong')), 'AuthFailed');
    await expectKind(run(hash, new ScramClient(hash, 'ghost', 'pencil')), 'AuthFailed');
  });

  it('an unknown user gets a stable fake salt', async () => {
    const salts = [];
    for (let i = 0; i < 2; i++) {
      const ex = env.auth.startSasl('SCRAM-SHA-256', ctx());
      const s = await ex.step(new ScramClient('sha256', 'ghost', 'x').first());
      salts.push(s.kind === 'challenge' ? s.data.toString().split(',')[1] : '');
      ex.abort();
    }
    expect(salts[0]).toBe(salts[1]);
  });

  it('the fake salt of an unknown user is the same for every authenticator on the store, and after a restart', async () => {
    const saltOf = async (auth: Authenticator, mech: 'SCRAM-SHA-1' | 'SCRAM-SHA-256', user: string) => {
      const ex = auth.startSasl(mech, ctx());
      const s = await ex.step(new ScramClient(mech === 'SCRAM-SHA-1' ? 'sha1' : 'sha256', user, 'x').first());
      ex.abort();
      return s.kind === 'challenge' ? /,s=([^,]+),/.exec(s.data.toString())![1] : '';
    };
    const open = () => Authenticator.create({ config: env.config, passwordStore: { scrypt: { N: 1024, r: 8, p: 1 }, scramIterations: 4096 } });
    const [a, b] = [open(), open()];
    try {
      const ghost = await saltOf(a, 'SCRAM-SHA-256', 'ghost');
      expect(ghost).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(await saltOf(b, 'SCRAM-SHA-256', 'ghost')).toBe(ghost);
      expect(await saltOf(env.auth, 'SCRAM-SHA-256', 'ghost')).toBe(ghost);
      // one name, one salt, as for a real user (username_tolower); another hash, another salt, as for a real user
      expect(await saltOf(b, 'SCRAM-SHA-256', 'Ghost')).toBe(ghost);
      expect(await saltOf(b, 'SCRAM-SHA-1', 'ghost')).not.toBe(ghost);
      expect(await saltOf(b, 'SCRAM-SHA-256', 'ghost2')).not.toBe(ghost);
      a.close();
      const restarted = open();
      try {
        expect(await saltOf(restarted, 'SCRAM-SHA-256', 'ghost')).toBe(ghost);
      } finally {
        restarted.close();
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it('"y" channel-binding flag is accepted, "p=" refused', async () => {
    const { step } = await run('sha256', new ScramClient('sha256', 'fred', 'pencil', undefined, 'y,,'));
    expect(step.kind).toBe('success');
    await expectKind(env.auth.startSasl('SCRAM-SHA-256', ctx()).step(Buffer.from('p=tls-unique,,n=fred,r=abc')), 'Invalid');
  });

  it('authzid in the GS2 header follows the proxy rules', async () => {
    const { step } = await run('sha256', new ScramClient('sha256', 'cyrus', 'adminpw', undefined, 'n,a=fred,'));
    expect(step.kind === 'success' && step.identity).toMatchObject({ userid: 'fred', authenticatedAs: 'cyrus' });
    await expectKind(run('sha256', new ScramClient('sha256', 'joe', 'joepw', undefined, 'n,a=fred,')), 'NoPerm');
  });

  it.each([
    ['no GS2 header', 'n=fred,r=abc'],
    ['bad flag', 'x,,n=fred,r=abc'],
    ['missing nonce', 'n,,n=fred'],
    ['mandatory extension', 'n,,m=ext,n=fred,r=abc'],
    ['bad saslname escape', 'n,,n=fr=ed,r=abc'],
    ['comma-less garbage', 'garbage'],
  ])('malformed client-first (%s) is Invalid', async (_n, message) => {
    await expectKind(env.auth.startSasl('SCRAM-SHA-1', ctx()).step(Buffer.from(message)), 'Invalid');
  });

  it.each([
    ['changed nonce', (m: string) => m.replace(/r=([^,]*)/, 'r=$1x')],
    ['wrong channel binding', (m: string) => m.replace(/^c=[^,]*/, 'c=eSws')],
    ['bad base64 proof', (m: string) => m.replace(/p=.*$/, 'p=!!!')],
    ['no proof', (m: string) => m.replace(/,p=.*$/, '')],
  ])('malformed client-final (%s) is Invalid', async (_n, tamper) => {
    await expectKind(run('sha256', new ScramClient('sha256', 'fred', 'pencil'), tamper), 'Invalid');
  });

  it('a proof of the wrong length fails', async () => {
    await expectKind(run('sha256', new ScramClient('sha256', 'fred', 'pencil'), (m) => m.replace(/p=.*$/, 'p=AAAA')), 'AuthFailed');
  });

  it('cancel between the messages', async () => {
    const client = new ScramClient('sha256', 'fred', 'pencil');
    const ex = env.auth.startSasl('SCRAM-SHA-256', ctx());
    const first = await ex.step(client.first());
    ex.abort();
    await expectKind(ex.step(client.final(first.kind === 'challenge' ? first.data : Buffer.alloc(0))), 'Invalid');
  });
});
