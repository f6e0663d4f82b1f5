import { describe, expect, it } from 'vitest';
import { ImapdConfig, OPTION_BY_NAME, type OptionSpec } from '../../src/config/index.js';
import { CYRUS_OPTION_NAMES } from '../../src/config/cyrus-option-names.js';
import { DEPRECATED_OPTIONS, type DeprecatedOption } from '../../src/config/deprecated-options.js';
import { confDiffering, confLint, effectiveText } from '../../src/tools/cyr_info.js';

const load = (text: string) => ImapdConfig.fromText(`configdirectory: /x\n${text}`, 'old.conf');

/** A value the replacement's table entry accepts, written the same way under either name. */
function sample(spec: OptionSpec | undefined, option: DeprecatedOption): string {
  if (option.days) return '30';
  switch (spec?.type) {
    case 'path':
      return `/etc/ssl/${option.name}.pem`;
    case 'int':
      return '2048';
    case 'switch':
      return 'yes';
    case 'stringlist':
      return 'Sent|Trash';
    default:
      return `value-of-${option.name}`;
  }
}

/** What one config holds for `name`: the typed effective value if we implement it, else its foreign text. */
function held(config: ImapdConfig, name: string): { set: boolean; value: string } {
  const spec = OPTION_BY_NAME.get(name);
  if (spec) return { set: config.isSet(name), value: effectiveText(config, spec) };
  const foreign = config.unusedOptions().find((o) => o.name === name);
  return { set: foreign !== undefined, value: foreign?.text ?? '' };
}

// The pairs the brief lists from imapd.conf(5) of Cyrus 3.6; the table may hold more (archive_days, ldap_sasl_*).
const BRIEF_PAIRS = `autocreateinboxfolders autocreate_inbox_folders, autocreatequota autocreate_quota, autocreatequotamsg autocreate_quota_messages,
  autosievefolders autocreate_sieve_folders, generate_compiled_sieve_script autocreate_sieve_script_compile,
  autocreate_sieve_compiled_script autocreate_sieve_script_compiled, autosubscribeinboxfolders autocreate_subscribe_folders,
  autosubscribesharedfolders autocreate_subscribe_sharedfolders, autosubscribe_all_sharedfolders autocreate_subscribe_sharedfolders_all,
  backup_retention_days backup_retention, createonpost autocreate_post, conversations_expire_days conversations_expire_after,
  ldap_tls_cacert_dir ldap_ca_dir, ldap_tls_cacert_file ldap_ca_file, ldap_tls_cert ldap_client_cert, ldap_tls_key ldap_client_key,
  ldap_tls_check_peer ldap_verify_peer, ldap_tls_ciphers ldap_ciphers, tls_ca_file tls_client_ca_file, tls_ca_path tls_client_ca_dir,
  tlscache_db tls_sessions_db, tlscache_db_path tls_sessions_db_path, tls_cert_file tls_server_cert, tls_cipher_list tls_ciphers,
  tls_key_file tls_server_key`
  .split(',')
  .map((pair) => pair.trim().split(/\s+/) as [string, string]);

describe('the table of deprecated names', () => {
  it('holds every pair of the man page', () => {
    const table = new Map(DEPRECATED_OPTIONS.map((d) => [d.name, d.replacement]));
    for (const [old, replacement] of BRIEF_PAIRS) expect(table.get(old), old).toBe(replacement);
  });

  it('every old name is a Cyrus name, every replacement one we type or accept, and no old name is implemented', () => {
    for (const { name, replacement } of DEPRECATED_OPTIONS) {
      expect(CYRUS_OPTION_NAMES.has(name), name).toBe(true);
      expect(OPTION_BY_NAME.has(name), name).toBe(false);
      expect(OPTION_BY_NAME.has(replacement) || CYRUS_OPTION_NAMES.has(replacement), replacement).toBe(true);
    }
  });

  it('no other Cyrus option name ends in "_" + an old name (so a service prefix is never misread)', () => {
    const old = new Set(DEPRECATED_OPTIONS.map((d) => d.name));
    for (const name of [...CYRUS_OPTION_NAMES, ...OPTION_BY_NAME.keys()]) {
      if (old.has(name)) continue;
      for (let i = name.indexOf('_'); i > 0; i = name.indexOf('_', i + 1)) expect(old.has(name.slice(i + 1)), name).toBe(false);
    }
  });
});

describe.each(DEPRECATED_OPTIONS.map((d) => [d.name, d.replacement, d] as const))('%s → %s', (old, replacement, option) => {
  const spec = OPTION_BY_NAME.get(replacement);
  const value = sample(spec, option);
  const asNew = option.days ? `${value}d` : value;

  it('is read as the replacement, with a warning naming file:line and the new name', () => {
    const config = load(`${old}: ${value}`);
    expect(held(config, replacement)).toEqual(held(load(`${replacement}: ${asNew}`), replacement));
    expect(held(config, replacement)).toMatchObject({ set: true });
    expect(held(config, old).set).toBe(false);
    expect(config.originOf(replacement) ?? config.unusedOptions().find((o) => o.name === replacement)?.origin).toEqual({ file: 'old.conf', line: 2 });
    expect(config.warnings).toHaveLength(1);
    expect(config.warnings[0]).toMatchObject({ file: 'old.conf', line: 2 });
    expect(config.warnings[0]!.message).toContain(`${old} is deprecated`);
    expect(config.warnings[0]!.message).toContain(`read as ${replacement}`);
  });

  it('with a service prefix, is that service\'s replacement', () => {
    const config = load(`imap_${old}: ${value}`);
    expect(config.warnings.map((w) => w.message).join('\n')).toContain(`read as imap_${replacement}`);
    if (spec) {
      expect(config.isSet(replacement)).toBe(false);
      expect(effectiveText(config.forService('imap'), spec)).toBe(effectiveText(load(`${replacement}: ${asNew}`), spec));
      expect(config.forService('imap').isSet(replacement)).toBe(true);
      expect(config.forService('pop3').isSet(replacement)).toBe(false);
    } else {
      expect(config.unusedOptions().map((o) => [o.name, o.text])).toEqual([[`imap_${replacement}`, asNew]]);
    }
  });

  it('loses to the replacement when both are set, in either order', () => {
    const other = spec?.type === 'switch' ? 'no' : spec?.type === 'int' ? '7' : option.days ? '5d' : spec?.type === 'path' ? '/etc/ssl/new.pem' : 'new-value';
    const expected = held(load(`${replacement}: ${other}`), replacement);
    for (const text of [`${replacement}: ${other}\n${old}: ${value}`, `${old}: ${value}\n${replacement}: ${other}`]) {
      const config = load(text);
      expect(held(config, replacement), text).toEqual(expected);
      expect(config.warnings.map((w) => w.message).join('\n'), text).toMatch(new RegExp(`${old} ignored: ${replacement} is set|${replacement} wins over the deprecated ${old}`));
    }
  });
});

describe('units and values of the old names', () => {
  it.each([
    ['conversations_expire_days: 30', 'conversations_expire_after', '30d'],
    ['backup_retention_days: 0', 'backup_retention', '0d'],
    ['archive_days: 2d', 'archive_after', '2d'],
    ['archive_days: 12h', 'archive_after', '12h'],
  ])('%s is %s: %s', (text, name, value) => {
    const config = load(text);
    expect(config.unusedOptions().find((o) => o.name === name)?.text).toBe(value);
  });

  it('says when a bare number of days got its unit', () => {
    expect(load('conversations_expire_days: 30').warnings[0]!.message).toBe('conversations_expire_days is deprecated (Cyrus 3.6): read as conversations_expire_after (a bare number of days: 30 is read as 30d)');
  });

  it('a bad value is refused under the name written, saying what it is read as', () => {
    expect(() => load('autocreatequota: lots')).toThrow('old.conf:2: autocreatequota: bad value "lots" (read as autocreate_quota): expected a whole number');
    expect(() => load('tls_cert_file: cert.pem')).toThrow(/tls_cert_file: bad value "cert.pem" \(read as tls_server_cert\): expected an absolute path/);
  });

  it('typed values: TLS files, autocreate quotas, createonpost', () => {
    const config = load('tls_cert_file: /etc/ssl/c.pem\ntls_key_file: /etc/ssl/k.pem\nautocreatequota: 0\nautocreatequotamsg: 500\ncreateonpost: yes\nautocreateinboxfolders: Sent|Trash');
    expect(config.path('tls_server_cert')).toBe('/etc/ssl/c.pem');
    expect(config.path('tls_server_key')).toBe('/etc/ssl/k.pem');
    expect(config.int('autocreate_quota')).toBe(0);
    expect(config.int('autocreate_quota_messages')).toBe(500);
    expect(config.bool('autocreate_post')).toBe(true);
    expect(config.list('autocreate_inbox_folders')).toEqual(['Sent', 'Trash']);
    expect(config.unusedOptions()).toEqual([]);
  });

  it('the same old name twice: the later wins, as for any option', () => {
    const config = load('tls_cert_file: /a.pem\ntls_cert_file: /b.pem');
    expect(config.path('tls_server_cert')).toBe('/b.pem');
    expect(config.warnings.map((w) => w.message)).toContain('tls_cert_file set again (first at line 2); the later value wins');
  });
});

describe('cyr_info shows the replacement names', () => {
  const config = load('tls_cert_file: /etc/ssl/c.pem\nimap_autocreatequota: 100\ntlscache_db_path: /var/tls.db\nconversations_expire_days: 30');

  it('conf: under the new name, never the old one', () => {
    const lines = confDiffering(config);
    expect(lines).toContain('tls_server_cert: /etc/ssl/c.pem');
    expect(lines).toContain('imap_autocreate_quota: 100');
    expect(lines).toContain('tls_sessions_db_path: /var/tls.db');
    expect(lines).toContain('conversations_expire_after: 30d');
    expect(lines.join('\n')).not.toMatch(/tls_cert_file|autocreatequota|tlscache|_days/);
  });

  it('conf-lint: a deprecation warning per use, nothing called unknown', () => {
    const lines = confLint(config);
    expect(lines.join('\n')).not.toContain('unknown');
    expect(lines).toContain('old.conf:2: tls_cert_file is deprecated (Cyrus 3.6): read as tls_server_cert');
    expect(lines).toContain('old.conf:3: imap_autocreatequota is deprecated (Cyrus 3.6): read as imap_autocreate_quota');
    expect(lines).toContain('old.conf:4: tls_sessions_db_path: accepted but not used by this server');
    expect(lines).toContain('old.conf:2: tls_server_cert: /etc/ssl/c.pem does not exist');
  });
});
