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
