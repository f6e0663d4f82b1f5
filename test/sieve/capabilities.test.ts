// The capability list's NOTIFY line (RFC 5804 1.7): present exactly when enotify is allowed.
import { describe, expect, it } from 'vitest';
import { capabilityLines } from '../../src/sieve/capabilities.js';
import type { SieveDeps } from '../../src/sieve/deps.js';

function linesWith(extensions: string[]): string[] {
  const deps = { settings: { extensions, serverInfo: 'min' }, auth: { mechanisms: () => ['PLAIN'] }, tlsContext: null } as unknown as SieveDeps;
  return capabilityLines(deps, { authenticated: false, tls: false, connection: {} as never });
}

describe('NOTIFY', () => {
  it('lists mailto when enotify is allowed, and nothing otherwise', () => {
    expect(linesWith(['fileinto', 'enotify'])).toContain('"NOTIFY" "mailto"');
    expect(linesWith(['fileinto']).some((l) => l.startsWith('"NOTIFY"'))).toBe(false);
  });
});

describe('EXTLISTS and the SIEVE line', () => {
  it('announces the address-book lists exactly when extlists is allowed (RFC 6134 2.9, Cyrus\'s value)', () => {
    expect(linesWith(['extlists'])).toContain('"EXTLISTS" "urn:ietf:params:sieve:addrbook"');
    expect(linesWith(['fileinto']).some((l) => l.startsWith('"EXTLISTS"'))).toBe(false);
  });

  it('leaves vnd.cyrus.log out of SIEVE as Cyrus does, and lists the rest in order', () => {
    expect(linesWith(['fileinto', 'vnd.cyrus.log', 'redirect-dsn', 'redirect-deliverby'])).toContain('"SIEVE" "fileinto redirect-dsn redirect-deliverby"');
  });
});
