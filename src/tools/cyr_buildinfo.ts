/**
 * `cyrusts cyr_buildinfo`, Cyrus's cyr_buildinfo(8): what this build of the server has, in Cyrus
 * 3.6's layout (the sections and keys its cyr_buildinfo prints: component, dependency, database,
 * search, hardware), as indented JSON (pretty, the default), one-line JSON (dense) or flattened
 * `section.key=value` properties (flat, values as JSON: booleans bare, strings quoted).
 *
 * The values say what is true here, not what a C Cyrus build would say:
 * - component: the services the master can run (sieve = timsieved, murder = mupdate, httpd, nntpd)
 *   are read from the programs this binary hands the master; idled is true because the master runs
 *   the change-notification hub itself; autocreate (autocreate_* options) is built in; replication,
 *   JMAP, calalarmd, backups, the object store, GSSAPI, Kerberos 4 and RFC 5423 event notification
 *   are not here.
 * - dependency: Cyrus's libraries, true only where this server uses that library (OpenSSL through
 *   node:tls, zlib for COMPRESS=DEFLATE, ICU for charset decoding when Node carries it), and, under
 *   keys of our own ending in `_version`, the versions of Node.js, OpenSSL, zlib and SQLite at run time.
 * - database: every database is SQLite (cyrus db backends mysql and pgsql are not here).
 * - search: the search_engine index is an SQLite FTS5 table (sqlite_fts5, ours), which is what
 *   search_engine squat (and the xapian value, read the same) selects; there is no Xapian.
 * - hardware: nothing here depends on CPU features, as in Debian's Cyrus build ({}).
 * Cyrus ignores -C; so do we.
 */
import type { Command } from 'commander';
import { sqliteLibrary } from '../common/sqlite.js';
import { servicePrograms } from '../master/service.js';
import type { Writer } from '../store/tool-support.js';

export const EXIT_USAGE = 64;
export const BUILDINFO_FORMATS = ['pretty', 'dense', 'flat'] as const;
export type BuildinfoFormat = (typeof BUILDINFO_FORMATS)[number];

type Value = boolean | string;
export type BuildInfo = Record<'component' | 'dependency' | 'database' | 'search' | 'hardware', Record<string, Value>>;

/** What the running process is made of: the facts buildInfo turns into Cyrus's sections. */
export interface BuildFacts {
  /** The service programs a cyrus.conf cmd= can name here (imapd, timsieved, mupdate, ...). */
  services: readonly string[];
  /** process.versions (node, openssl, zlib, icu, ...). */
  versions: Readonly<Record<string, string | undefined>>;
  sqlite: { version: string; fts5: boolean };
}

export function currentFacts(): BuildFacts {
  return { services: Object.keys(servicePrograms()), versions: process.versions, sqlite: sqliteLibrary() };
}

/** The build information, in Cyrus 3.6's key order, with our version keys after its own. */
export function buildInfo(facts: BuildFacts): BuildInfo {
  const has = (program: string): boolean => facts.services.includes(program);
  const version = (name: string): string | undefined => facts.versions[name];
  const dependency: Record<string, Value> = {
    ldap: false,
    openssl: version('openssl') !== undefined,
    zlib: version('zlib') !== undefined,
    jansson: false,
    pcre: false,
    clamav: false,
    openio: false,
    nghttp2: false,
    wslay: false,
    brotli: false,
    xml2: false,
    ical: false,
    icu4c: version('icu') !== undefined,
    shapelib: false,
    chardet: false,
    cld2: false,
  };
  for (const [key, name] of [['nodejs_version', 'node'], ['openssl_version', 'openssl'], ['zlib_version', 'zlib'], ['icu_version', 'icu']] as const) {
    const v = version(name);
    if (v !== undefined) dependency[key] = v;
  }
  dependency.sqlite_version = facts.sqlite.version;
  return {
    component: {
      event_notification: false,
      gssapi: false,
      autocreate: true,
      idled: true,
      httpd: has('httpd'),
      kerberos_v4: false,
      murder: has('mupdate'),
      nntpd: has('nntpd'),
      replication: false,
      sieve: has('timsieved'),
      calalarmd: false,
      jmap: false,
      objectstore: false,
      backup: false,
    },
    dependency,
    database: { mysql: false, pgsql: false, sqlite: true },
    search: { squat: facts.sqlite.fts5, xapian: false, sqlite_fts5: facts.sqlite.fts5 },
    hardware: {},
  };
}

/** `info` in `format`, ending in a newline as Cyrus's output does. */
export function formatBuildInfo(info: BuildInfo, format: BuildinfoFormat): string {
  switch (format) {
    case 'pretty':
      return `${JSON.stringify(info, null, 2)}\n`;
    case 'dense':
      return `${JSON.stringify(info)}\n`;
    case 'flat': {
      let out = '';
      for (const [section, entries] of Object.entries(info)) {
        for (const [key, value] of Object.entries(entries)) out += `${section}.${key}=${JSON.stringify(value)}\n`;
      }
      return out;
    }
  }
}

const USAGE = `usage: cyr_buildinfo [-C <file>] [format]\nformat is one of:\n  pretty  indented JSON (the default)\n  dense   JSON on one line\n  flat    section.key=value properties\n`;

/** The exit status: 0, or 64 for a format it does not know (nothing printed on stdout). */
export function runCyrBuildinfo(format: string | undefined, facts: BuildFacts, out: Writer, err: Writer): number {
  const chosen = format ?? 'pretty';
  if (!(BUILDINFO_FORMATS as readonly string[]).includes(chosen)) {
    err(`cyr_buildinfo: unknown format "${chosen}"\n${USAGE}`);
    return EXIT_USAGE;
  }
  out(formatBuildInfo(buildInfo(facts), chosen as BuildinfoFormat));
  return 0;
}

/** `cyrusts cyr_buildinfo [-C imapd.conf] [pretty|dense|flat]` */
export const registerCyrBuildinfo = (program: Command): void => {
  program
    .command('cyr_buildinfo')
    .description('print what this build has (components, libraries, databases, search), in Cyrus\'s layout: indented JSON (pretty), one-line JSON (dense) or section.key=value lines (flat)')
    .option('-C, --config <file>', 'accepted and ignored, as Cyrus does', '/etc/imapd.conf')
    .argument('[format]', 'pretty (default), dense or flat')
    .action((format: string | undefined) => {
      process.exitCode = runCyrBuildinfo(format, currentFacts(), (t) => process.stdout.write(t), (t) => process.stderr.write(t));
    });
};
