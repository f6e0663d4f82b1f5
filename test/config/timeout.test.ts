import { describe, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import type { Logger } from '../../src/common/log.js';
import { limitsFromConfig, sessionTimeoutSeconds } from '../../src/imap/deps.js';

const load = (text: string) => ImapdConfig.fromText(`configdirectory: /x\n${text}`, 'test.conf');

/** A logger that keeps its warnings. */
function recorder(): { logger: Logger; warnings: Array<[Record<string, unknown>, string]> } {
  const warnings: Array<[Record<string, unknown>, string]> = [];
  const logger = { warn: (obj: Record<string, unknown>, msg: string) => warnings.push([obj, msg]) } as unknown as Logger;
  return { logger, warnings };
}

describe('timeout (IMAP autologout)', () => {
  it.each([
    // [imapd.conf line, seconds used, warned]
    ['', 32 * 60, false], // Cyrus 3.6's documented default is 32 minutes
    ['timeout: 30', 30 * 60, false],
    ['timeout: 45', 45 * 60, false],
    ['timeout: 2h', 2 * 3600, false],
    ['timeout: 29', 30 * 60, true],
    ['timeout: 10', 30 * 60, true],
    ['timeout: 90s', 30 * 60, true],
    ['timeout: 0', 30 * 60, true],
  ] as const)('%j → %i s', (line, seconds, warned) => {
    const config = load(line);
    const { logger, warnings } = recorder();
    expect(sessionTimeoutSeconds(config, logger)).toBe(seconds);
    expect(warnings.length).toBe(warned ? 1 : 0);
    if (warned) expect(warnings[0]![0]).toMatchObject({ option: 'timeout', used: 1800 });
  });

  it('a short timeout loads without error and keeps the configured value visible', () => {
    expect(load('timeout: 5').seconds('timeout')).toBe(300);
  });

  it('the session limits use the raised value, and imapidletimeout defaults to it', () => {
    const limits = limitsFromConfig(load('timeout: 5'));
    expect(limits.timeoutMs).toBe(30 * 60 * 1000);
    expect(limits.idleTimeoutMs).toBe(30 * 60 * 1000);
    expect(limitsFromConfig(load('timeout: 40\nimapidletimeout: 10')).idleTimeoutMs).toBe(10 * 60 * 1000);
  });

  it('a bad value is still refused', () => {
    expect(() => load('timeout: soon')).toThrow(/timeout/);
  });
});
