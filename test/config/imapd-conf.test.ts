import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImapdConfig, ConfigError } from '../../src/config/index.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'debian');

describe('imapd.conf', () => {
  it('parses Debian stock imapd.conf without an error', () => {
    const config = ImapdConfig.load(join(fixtures, 'imapd.conf'));
    expect(config.configDirectory).toBe('/var/lib/cyrus');
    expect(config.partitions().get('default')).toBe('/var/spool/cyrus/mail');
    expect(config.partitions().get('news')).toBe('/var/spool/cyrus/news');
    expect(config.bool('hashimapspool')).toBe(true);
    expect(config.bool('altnamespace')).toBe(false);
    expect(config.warnings).toEqual([]);
  });

  it('types values and applies service overrides', () => {
    const config = ImapdConfig.fromText(
      ['configdirectory: /srv/conf', 'allowplaintext: no', 'imap_allowplaintext: yes', 'timeout: 45', 'maxlinelength: 128K', 'admins: cyrus  root'].join('\n'),
    );
    expect(config.bool('allowplaintext')).toBe(false);
    expect(config.forService('imap').bool('allowplaintext')).toBe(true);
    expect(config.forService('pop3').bool('allowplaintext')).toBe(false);
    expect(config.seconds('timeout')).toBe(45 * 60);
    expect(config.bytes('maxlinelength')).toBe(128 * 1024);
    expect(config.list('admins')).toEqual(['cyrus', 'root']);
    expect(config.path('idlesocket')).toBe('/srv/conf/socket/idle');
  });

  it('refuses bad values naming file, line and option', () => {
    const bad = (text: string) => {
      try {
        ImapdConfig.fromText(`configdirectory: /x\n${text}`, 'test.conf');
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad('auth_max_failures: many')).toMatch(/test\.conf:2: auth_max_failures: .*whole number/);
    expect(bad('expunge_mode: sometimes')).toMatch(/expunge_mode.*one of: default, immediate/);
    expect(bad('partition-default: var/spool')).toMatch(/absolute path/);
    expect(bad('timeout: 5')).toMatch(/at least/);
  });

  it('warns about unknown options and goes on', () => {
    const config = ImapdConfig.fromText('configdirectory: /x\nno_such_thing: 1\n', 'w.conf');
    expect(config.warnings).toEqual([{ file: 'w.conf', line: 2, message: 'unknown option "no_such_thing" ignored' }]);
  });

  it('keeps the stock file text unchanged on disk', () => {
    expect(readFileSync(join(fixtures, 'imapd.conf'), 'utf8')).toContain('configdirectory: /var/lib/cyrus');
  });
});
