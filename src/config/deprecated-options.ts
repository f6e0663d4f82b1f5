// The option names Cyrus IMAP 3.6 still accepts but marks deprecated in imapd.conf(5), each with the
// option it is read as. Facts from the 3.6 man page: "Deprecated in favor of X" (and, for the LDAP
// ones, "Deprecated. Use X"). The loader (imapd-conf.ts) reads an old name exactly as its replacement,
// with a warning; when a file sets both, the replacement wins, as Cyrus's libconfig does (it copies
// the deprecated value over only when the preferred option was not seen).

export interface DeprecatedOption {
  /** The old name, as an old imapd.conf writes it. */
  readonly name: string;
  /** The option Cyrus 3.6 reads it as. */
  readonly replacement: string;
  /**
   * The old option counted days while its replacement is a duration: a bare number is days.
   * (The replacements assume days for a bare number too, but the value is written with its unit
   * so it means the same thing whatever unit the replacement's table entry assumes.)
   */
  readonly days?: true;
}

export const DEPRECATED_OPTIONS: readonly DeprecatedOption[] = [
  { name: 'archive_days', replacement: 'archive_after', days: true },
  { name: 'autocreateinboxfolders', replacement: 'autocreate_inbox_folders' },
  { name: 'autocreatequota', replacement: 'autocreate_quota' },
  { name: 'autocreatequotamsg', replacement: 'autocreate_quota_messages' },
  { name: 'autosievefolders', replacement: 'autocreate_sieve_folders' },
  { name: 'generate_compiled_sieve_script', replacement: 'autocreate_sieve_script_compile' },
  { name: 'autocreate_sieve_compiled_script', replacement: 'autocreate_sieve_script_compiled' },
  { name: 'autosubscribeinboxfolders', replacement: 'autocreate_subscribe_folders' },
  { name: 'autosubscribesharedfolders', replacement: 'autocreate_subscribe_sharedfolders' },
  { name: 'autosubscribe_all_sharedfolders', replacement: 'autocreate_subscribe_sharedfolders_all' },
  { name: 'backup_retention_days', replacement: 'backup_retention', days: true },
  { name: 'createonpost', replacement: 'autocreate_post' },
  { name: 'conversations_expire_days', replacement: 'conversations_expire_after', days: true },
  { name: 'ldap_sasl_authc', replacement: 'ldap_id' },
  { name: 'ldap_sasl_authz', replacement: 'ldap_authz' },
  { name: 'ldap_sasl_mech', replacement: 'ldap_mech' },
  { name: 'ldap_sasl_password', replacement: 'ldap_password' },
  { name: 'ldap_sasl_realm', replacement: 'ldap_realm' },
  { name: 'ldap_servers', replacement: 'ldap_uri' },
  { name: 'ldap_tls_cacert_dir', replacement: 'ldap_ca_dir' },
  { name: 'ldap_tls_cacert_file', replacement: 'ldap_ca_file' },
  { name: 'ldap_tls_cert', replacement: 'ldap_client_cert' },
  { name: 'ldap_tls_key', replacement: 'ldap_client_key' },
  { name: 'ldap_tls_check_peer', replacement: 'ldap_verify_peer' },
  { name: 'ldap_tls_ciphers', replacement: 'ldap_ciphers' },
  { name: 'tls_ca_file', replacement: 'tls_client_ca_file' },
  { name: 'tls_ca_path', replacement: 'tls_client_ca_dir' },
  { name: 'tlscache_db', replacement: 'tls_sessions_db' },
  { name: 'tlscache_db_path', replacement: 'tls_sessions_db_path' },
  { name: 'tls_cert_file', replacement: 'tls_server_cert' },
  { name: 'tls_cipher_list', replacement: 'tls_ciphers' },
  { name: 'tls_key_file', replacement: 'tls_server_key' },
];

export const DEPRECATED_BY_NAME: ReadonlyMap<string, DeprecatedOption> = new Map(DEPRECATED_OPTIONS.map((d) => [d.name, d]));

/** The value of an old option written as its replacement reads it: a bare day count gets its unit. */
export function replacementText(option: DeprecatedOption, text: string): string {
  if (option.days && /^\+?\d+$/.test(text.trim())) return `${Number(text.trim())}d`;
  return text;
}

/**
 * If `key` is a deprecated name, alone or after a service prefix (`imap_tls_cert_file`), the key it
 * is read as (`imap_tls_server_cert`) and the table entry; null otherwise. `isKnown` tells names that
 * are options in their own right, which are never split into a prefix and a deprecated name.
 */
export function renameDeprecated(key: string, isKnown: (name: string) => boolean): { key: string; option: DeprecatedOption } | null {
  const direct = DEPRECATED_BY_NAME.get(key);
  if (direct) return { key: direct.replacement, option: direct };
  if (isKnown(key)) return null;
  for (let i = key.indexOf('_'); i > 0; i = key.indexOf('_', i + 1)) {
    const option = DEPRECATED_BY_NAME.get(key.slice(i + 1));
    if (option) return { key: key.slice(0, i + 1) + option.replacement, option };
  }
  return null;
}
