// cyr_buildinfo (Cyrus's cyr_buildinfo(8)): the build's facts in Cyrus 3.6's sections, printed as
// indented JSON, one-line JSON or flat section.key=value lines; flat and pretty say the same things;
// the services and versions come from the running process; an unknown format is refused.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildInfo, currentFacts, formatBuildInfo, runCyrBuildinfo, type BuildFacts, type BuildInfo } from '../../src/tools/cyr_buildinfo.js';

const BIN = fileURLToPath(new URL('../../dist/bin/cyrusts.js', import.meta.url));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'cyr_buildinfo', ...args], (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** flat lines read back into sections (values are JSON). */
function readFlat(text: string): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const line of text.split('\n').filter((l) => l.length > 0)) {
    const m = /^([a-z0-9_]+)\.([a-z0-9_]+)=(.*)$/.exec(line);
    expect(m, line).not.toBeNull();
    (out[m![1]!] ??= {})[m![2]!] = JSON.parse(m![3]!);
  }
  return out;
}

const SMALL: BuildInfo = {
  component: { sieve: true, murder: false },
  dependency: { openssl: true, sqlite_version: '3.45.0' },
  database: { sqlite: true },
  search: { squat: true },
  hardware: {},
};

describe('the three formats', () => {
  it.each([
    ['pretty', '{\n  "component": {\n    "sieve": true,\n    "murder": false\n  },\n  "dependency": {\n    "openssl": true,\n    "sqlite_version": "3.45.0"\n  },\n  "database": {\n    "sqlite": true\n  },\n  "search": {\n    "squat": true\n  },\n  "hardware": {}\n}\n'],
    ['dense', '{"component":{"sieve":true,"murder":false},"dependency":{"openssl":true,"sqlite_version":"3.45.0"},"database":{"sqlite":true},"search":{"squat":true},"hardware":{}}\n'],
    ['flat', 'component.sieve=true\ncomponent.murder=false\ndependency.openssl=true\ndependency.sqlite_version="3.45.0"\ndatabase.sqlite=true\nsearch.squat=true\n'],
  ] as const)('%s', (format, expected) => {
    expect(formatBuildInfo(SMALL, format)).toBe(expected);
  });
});

describe('the facts', () => {
  const facts: BuildFacts = {
    services: ['imapd', 'pop3d', 'lmtpd', 'timsieved', 'mupdate'],
    versions: { node: '20.1.0', openssl: '3.0.1', zlib: '1.3' },
    sqlite: { version: '3.45.0', fts5: true },
  };
  it('come from the services and libraries of the process', () => {
    const info = buildInfo(facts);
    expect(info.component).toMatchObject({ idled: true, sieve: true, murder: true, httpd: false, nntpd: false, replication: false, jmap: false });
    expect(info.dependency).toMatchObject({ openssl: true, zlib: true, icu4c: false, nodejs_version: '20.1.0', openssl_version: '3.0.1', sqlite_version: '3.45.0' });
    expect(info.database).toEqual({ mysql: false, pgsql: false, sqlite: true });
    expect(info.search).toEqual({ squat: true, xapian: false, sqlite_fts5: true });
    expect(info.hardware).toEqual({});
  });
  it('say no Sieve and no Murder when those programs are not there', () => {
    const info = buildInfo({ ...facts, services: ['imapd'] });
    expect(info.component).toMatchObject({ sieve: false, murder: false });
  });
  it('name the running Node and SQLite', () => {
    const info = buildInfo(currentFacts());
    expect(info.dependency.nodejs_version).toBe(process.versions.node);
    expect(info.dependency.sqlite_version).toMatch(/^3\.\d+\.\d+$/);
  });
  it('an unknown format: usage on stderr, nothing on stdout, exit 64', () => {
    const out: string[] = [];
    const err: string[] = [];
    expect(runCyrBuildinfo('yaml', facts, (t) => out.push(t), (t) => err.push(t))).toBe(64);
    expect(out).toEqual([]);
    expect(err.join('')).toContain('unknown format "yaml"');
  });
});

describe('the program', () => {
  it('flat and pretty carry the same facts, dense too; Cyrus\'s sections in its order', async () => {
    const pretty = await run(['-C', '/nonexistent/imapd.conf']);
    const dense = await run(['dense']);
    const flat = await run(['flat']);
    expect([pretty.code, dense.code, flat.code]).toEqual([0, 0, 0]);
    const fromPretty = JSON.parse(pretty.stdout) as BuildInfo;
    expect(Object.keys(fromPretty)).toEqual(['component', 'dependency', 'database', 'search', 'hardware']);
    expect(JSON.parse(dense.stdout)).toEqual(fromPretty);
    expect(dense.stdout.trimEnd()).not.toContain('\n');
    // hardware is empty: flat has no line for it, as Cyrus's.
    const { hardware, ...rest } = fromPretty;
    expect(hardware).toEqual({});
    expect(readFlat(flat.stdout)).toEqual(rest);
    // the binary hands the master timsieved and mupdate: Sieve and Murder are there.
    expect(fromPretty.component).toMatchObject({ sieve: true, murder: true, idled: true, replication: false, httpd: false });
  });
  it('refuses an unknown format with exit 64', async () => {
    const r = await run(['yaml']);
    expect(r.code).toBe(64);
    expect(r.stdout).toBe('');
  });
});
