import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapdConfig } from '../../src/config/index.js';
import { Authenticator, type AuthenticatorOptions } from '../../src/auth/index.js';
import type { ConnectionContext } from '../../src/auth/context.js';
import { MailError, type MailErrorKind } from '../../src/common/errors.js';

/** A temp configdirectory and an Authenticator over it; call cleanup() in afterEach/afterAll. */
export function makeAuth(extraConfig = '', options: Partial<AuthenticatorOptions> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-test-'));
  // The login penalty only where a test sets auth_failure_delay (tests log in from one address).
  const config = ImapdConfig.fromText(`configdirectory: ${dir}\nauth_failure_delay: 0\n${extraConfig}`, path.join(dir, 'imapd.conf'));
  const auth = Authenticator.create({
    config,
    passwordStore: { scrypt: { N: 1024, r: 8, p: 1 }, scramIterations: 4096 },
    groups: { systemGroupFile: null, passwdFile: null },
    ...options,
  });
  return {
    dir,
    config,
    auth,
    cleanup() {
      auth.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function ctx(over: Partial<ConnectionContext> = {}): ConnectionContext {
  return { service: 'imap', tls: true, unixSocket: false, remoteAddress: '192.0.2.7', ...over };
}

export async function expectKind(promise: Promise<unknown> | (() => unknown), kind: MailErrorKind): Promise<MailError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (err) {
    if (err instanceof MailError && err.kind === kind) return err;
    throw new Error(`expected MailError ${kind}, got ${String(err)}`);
  }
  throw new Error(`expected MailError ${kind}, got success`);
}
