import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { OPTION_BY_NAME } from './options/index.js';
import { CYRUS_OPTION_NAMES } from './cyrus-option-names.js';
import { OPTION_FAMILIES, PATH_FAMILIES, type OptionFamily, type OptionSpec, type OptionValue } from './types.js';
import { parseOptionValue, ValueError, isAbsoluteConfigPath } from './values.js';
import { specialUseNames } from './special-use.js';
import { renameDeprecated, replacementText } from './deprecated-options.js';

/** Where a setting came from, for messages that name file and line. */
export interface Origin {
  file: string;
  line: number;
}

export interface ConfigWarning extends Origin {
  message: string;
}

interface Setting {
  value: OptionValue;
  text: string;
  origin: Origin;
  /** Set when the line used a deprecated name (`tls_cert_file`) that is read as this setting. */
  writtenAs?: string;
}

/** A bad value or a broken file: the master refuses to start. */
export class ConfigError extends Error {
  constructor(
    readonly problems: ReadonlyArray<{ file: string; line: number; option: string; message: string }>,
  ) {
    super(problems.map((p) => `${p.file}:${p.line}: ${p.option}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

interface Parsed {
  settings: Map<string, Setting>;
  serviceSettings: Map<string, Map<string, Setting>>;
  families: Map<OptionFamily, Map<string, Setting>>;
  /** Options Cyrus knows that this server does not use, and sasl_* pass-through options. */
  foreign: Map<string, Setting>;
  warnings: ConfigWarning[];
}

function emptyParsed(): Parsed {
  return {
    settings: new Map(),
    serviceSettings: new Map(),
    families: new Map(OPTION_FAMILIES.map((f) => [f, new Map()])),
    foreign: new Map(),
    warnings: [],
  };
}

/** Split `imap_allowplaintext` into service `imap` and option `allowplaintext`, if it is one. */
function splitServiceKey(key: string): { service: string; spec: OptionSpec } | null {
  for (let i = key.indexOf('_'); i > 0; i = key.indexOf('_', i + 1)) {
    const spec = OPTION_BY_NAME.get(key.slice(i + 1));
    if (spec) return { service: key.slice(0, i), spec };
  }
  return null;
}

function parseInto(parsed: Parsed, text: string, file: string, problems: ConfigError['problems'] extends ReadonlyArray<infer P> ? P[] : never, depth: number): void {
  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, index) => {
    const line = index + 1;
    const origin = { file, line };
    const trimmed = rawLine.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const colon = trimmed.indexOf(':');
    if (colon <= 0) {
      problems.push({ file, line, option: trimmed.slice(0, 40), message: 'expected "option: value"' });
      return;
    }
    const writtenKey = trimmed.slice(0, colon).trim().toLowerCase();
    if (/\s/.test(writtenKey)) {
      problems.push({ file, line, option: writtenKey.slice(0, 40), message: 'expected "option: value" (an option name has no spaces)' });
      return;
    }
    const written = trimmed.slice(colon + 1).trim();
    // "./x" and "../x" are taken relative to the file's own directory (so conf/ works from any cwd);
    // any other relative path is refused where an absolute one is needed.
    let valueText = /^\.\.?\//.test(written) ? resolve(dirname(file), written) : written;
    // A deprecated Cyrus name (tls_cert_file, imap_tls_cert_file) is read as its replacement from here on.
    const renamed = renameDeprecated(writtenKey, (name) => OPTION_BY_NAME.has(name) || CYRUS_OPTION_NAMES.has(name));
    const key = renamed?.key ?? writtenKey;
    const writtenAs = renamed ? writtenKey : undefined;
    if (renamed) {
      const converted = replacementText(renamed.option, valueText);
      const unit = converted === valueText ? '' : ` (a bare number of days: ${valueText} is read as ${converted})`;
      parsed.warnings.push({ ...origin, message: `${writtenKey} is deprecated (Cyrus 3.6): read as ${key}${unit}` });
      valueText = converted;
    }
    if (key === '@include') {
      if (depth > 8) {
        problems.push({ file, line, option: key, message: 'includes nested too deeply' });
        return;
      }
      const target = resolve(dirname(file), valueText);
      let included: string;
      try {
        included = readFileSync(target, 'utf8');
      } catch (err) {
        problems.push({ file, line, option: key, message: `cannot read ${target}: ${(err as Error).message}` });
        return;
      }
      parseInto(parsed, included, target, problems, depth + 1);
      return;
    }
    const store = (map: Map<string, Setting>, name: string, setting: Setting) => {
      const previous = map.get(name);
      if (previous) {
        const where = previous.origin.file === file ? `line ${previous.origin.line}` : `${previous.origin.file}:${previous.origin.line}`;
        // Both an old name and its replacement: the replacement wins wherever it is, as in Cyrus.
        if (previous.writtenAs === undefined && writtenAs !== undefined) {
          parsed.warnings.push({ ...origin, message: `${writtenKey} ignored: ${key} is set (at ${where}) and wins over its deprecated name` });
          return;
        }
        const message = previous.writtenAs !== undefined && writtenAs === undefined
          ? `${key} wins over the deprecated ${previous.writtenAs} (at ${where})`
          : `${writtenKey} set again (first at ${where}); the later value wins`;
        parsed.warnings.push({ ...origin, message });
      }
      map.set(name, writtenAs === undefined ? setting : { ...setting, writtenAs });
    };
    const typed = (spec: OptionSpec, map: Map<string, Setting>, name: string) => {
      try {
        store(map, name, { value: parseOptionValue(spec, valueText), text: valueText, origin });
      } catch (err) {
        if (!(err instanceof ValueError)) throw err;
        const as = writtenAs === undefined ? '' : ` (read as ${key})`;
        problems.push({ file, line, option: writtenKey, message: `bad value "${valueText}"${as}: ${err.message}` });
      }
    };

    const spec = OPTION_BY_NAME.get(key);
    if (spec) return typed(spec, parsed.settings, key);
    const dash = key.indexOf('-');
    if (dash > 0) {
      const family = key.slice(0, dash) as OptionFamily;
      const member = parsed.families.get(family);
      if (member && !PATH_FAMILIES.has(family)) {
        // xlist-FLAG: whether FLAG is known is checked once the whole file is read (specialuse_extra).
        if (written === '') parsed.warnings.push({ ...origin, message: `${key} names no folder; ignored` });
        else store(member, key.slice(dash + 1), { value: written, text: written, origin });
        return;
      }
      if (member) {
        const name = key.slice(dash + 1);
        if (!/^[a-z0-9_.-]+$/.test(name)) {
          problems.push({ file, line, option: key, message: 'partition names use letters, digits, "_", "." and "-"' });
        } else if (!isAbsoluteConfigPath(valueText)) {
          problems.push({ file, line, option: key, message: `bad value "${valueText}": expected an absolute path` });
        } else {
          store(member, name, { value: valueText, text: valueText, origin });
        }
        return;
      }
    }
    if (CYRUS_OPTION_NAMES.has(key)) return store(parsed.foreign, key, { value: valueText, text: valueText, origin });
    const split = splitServiceKey(key);
    if (split) {
      let serviceMap = parsed.serviceSettings.get(split.service);
      if (!serviceMap) parsed.serviceSettings.set(split.service, (serviceMap = new Map()));
      return typed(split.spec, serviceMap, split.spec.name);
    }
    // sasl_*, SERVICE_cyrusoption for options we do not act on, and Cyrus's per-host `HOST_password`,
    // `HOST_client_cert` and `HOST_client_key` (the certificate shown to that host: src/murder/link-tls.ts).
    if (key.startsWith('sasl_') || /^[a-z0-9]+_/.test(key) && CYRUS_OPTION_NAMES.has(key.slice(key.indexOf('_') + 1)) || /^[a-z0-9][a-z0-9.-]*_(password|client_cert|client_key)$/.test(key)) {
      return store(parsed.foreign, key, { value: valueText, text: valueText, origin });
    }
    parsed.warnings.push({ ...origin, message: `unknown option "${writtenKey}" ignored` });
  });
}

/** Warn about (file:line) and forget every `xlist-FLAG` whose FLAG is not a special-use attribute. */
function dropUnknownSpecialUse(parsed: Parsed): void {
  const known = specialUseNames((parsed.settings.get('specialuse_extra')?.value as readonly string[] | undefined) ?? []);
  const xlist = parsed.families.get('xlist')!;
  for (const [name, setting] of xlist) {
    if (known.has(name)) continue;
    parsed.warnings.push({ ...setting.origin, message: `xlist-${name}: "\\${name}" is not a special-use attribute (RFC 6154 or specialuse_extra); ignored` });
    xlist.delete(name);
  }
}

/**
 * A loaded imapd.conf. Values are typed by the option table; a view for one service
 * (`forService('imap')`) makes `imap_option` settings beat plain `option` ones.
 */
export class ImapdConfig {
  private constructor(
    readonly file: string,
    private readonly parsed: Parsed,
    readonly service: string | null,
  ) {}

  /** Read and check a file. Throws ConfigError when any value is bad. */
  static load(file: string): ImapdConfig {
    const absolute = resolve(file);
    let text: string;
    try {
      text = readFileSync(absolute, 'utf8');
    } catch (err) {
      throw new ConfigError([{ file: absolute, line: 0, option: '-', message: `cannot read: ${(err as Error).message}` }]);
    }
    return ImapdConfig.fromText(text, absolute);
  }

  /** Parse text as if it were the file `file` (used by tests and by load). */
  static fromText(text: string, file = '<text>'): ImapdConfig {
    const parsed = emptyParsed();
    const problems: Array<{ file: string; line: number; option: string; message: string }> = [];
    parseInto(parsed, text, file, problems, 0);
    if (problems.length > 0) throw new ConfigError(problems);
    dropUnknownSpecialUse(parsed);
    return new ImapdConfig(file, parsed, null);
  }

  get warnings(): readonly ConfigWarning[] {
    return this.parsed.warnings;
  }

  /** The same settings seen from service `name` (the SERVICES entry name or -s argument). */
  forService(name: string | null): ImapdConfig {
    return new ImapdConfig(this.file, this.parsed, name);
  }

  private setting(name: string): Setting | undefined {
    if (this.service !== null) {
      const override = this.parsed.serviceSettings.get(this.service)?.get(name);
      if (override) return override;
    }
    return this.parsed.settings.get(name);
  }

  private spec(name: string, ...types: OptionSpec['type'][]): OptionSpec {
    const spec = OPTION_BY_NAME.get(name);
    if (!spec) throw new Error(`no such option in the table: ${name}`);
    if (!types.includes(spec.type)) throw new Error(`option ${name} is ${spec.type}, not ${types.join('/')}`);
    return spec;
  }

  private value(spec: OptionSpec): OptionValue {
    const set = this.setting(spec.name);
    if (set) return set.value;
    return spec.default === null ? null : parseOptionValue(spec, spec.default);
  }

  /** Whether the option was set in the file (for this service or globally). */
  isSet(name: string): boolean {
    return this.setting(name) !== undefined;
  }

  /** Where an option was set, if it was. */
  originOf(name: string): Origin | undefined {
    return this.setting(name)?.origin;
  }

  string(name: string): string | null {
    return this.value(this.spec(name, 'string', 'enum')) as string | null;
  }

  /** A path with `{configdirectory}` expanded; null when unset and without default. */
  path(name: string): string | null {
    const text = this.value(this.spec(name, 'path')) as string | null;
    return text === null ? null : this.expand(text);
  }

  int(name: string): number {
    return (this.value(this.spec(name, 'int')) as number | null) ?? 0;
  }

  bool(name: string): boolean {
    return (this.value(this.spec(name, 'switch')) as boolean | null) ?? false;
  }

  enum<T extends string = string>(name: string): T {
    return this.value(this.spec(name, 'enum')) as T;
  }

  list(name: string): string[] {
    return [...((this.value(this.spec(name, 'stringlist', 'bitfield')) as readonly string[] | null) ?? [])];
  }

  /** A duration in seconds; null when unset without default. */
  seconds(name: string): number | null {
    return this.value(this.spec(name, 'duration')) as number | null;
  }

  bytes(name: string): number {
    return (this.value(this.spec(name, 'bytesize')) as number | null) ?? 0;
  }

  /** configdirectory, which every program needs. */
  get configDirectory(): string {
    const dir = this.parsed.settings.get('configdirectory')?.text;
    if (!dir) throw new ConfigError([{ file: this.file, line: 0, option: 'configdirectory', message: 'must be set' }]);
    return dir;
  }

  /** `partition-NAME` (or another family) settings: name → absolute path (xlist: flag → folder). */
  family(family: OptionFamily): Map<string, string> {
    const out = new Map<string, string>();
    const expand = PATH_FAMILIES.has(family);
    for (const [name, setting] of this.parsed.families.get(family) ?? []) out.set(name, expand ? this.expand(setting.text) : setting.text);
    return out;
  }

  /** The special-use attributes (`\Sent`) that `xlist-FLAG: folder` gives an autocreated folder. */
  specialUseOf(folder: string): string[] {
    const known = specialUseNames(this.list('specialuse_extra'));
    const out: string[] = [];
    for (const [flag, name] of this.family('xlist')) {
      const use = known.get(flag);
      if (name === folder && use) out.push(use);
    }
    return out;
  }

  partitions(): Map<string, string> {
    return this.family('partition');
  }

  /** A per-host setting as Cyrus writes it, `HOST_SUFFIX` (`backend1.example.com_password`); null when unset. */
  hostSetting(host: string, suffix: 'password'): string | null {
    return this.parsed.foreign.get(`${host.toLowerCase()}_${suffix}`)?.text ?? null;
  }

  /** Options Cyrus knows that this server accepts but does not act on. */
  unusedOptions(): Array<{ name: string; text: string; origin: Origin }> {
    return [...this.parsed.foreign].map(([name, s]) => ({ name, text: s.text, origin: s.origin }));
  }

  /** `SERVICE_option` settings as written: the service name, the option and where it was set. */
  serviceOverrides(): Array<{ service: string; name: string; text: string; origin: Origin }> {
    const out: Array<{ service: string; name: string; text: string; origin: Origin }> = [];
    for (const [service, map] of this.parsed.serviceSettings) for (const [name, s] of map) out.push({ service, name, text: s.text, origin: s.origin });
    return out;
  }

  /** Every setting as written in the files, service overrides as `service_option`. */
  entries(): Array<{ name: string; text: string; origin: Origin }> {
    const out: Array<{ name: string; text: string; origin: Origin }> = [];
    for (const [name, s] of this.parsed.settings) out.push({ name, text: s.text, origin: s.origin });
    for (const [family, members] of this.parsed.families) for (const [name, s] of members) out.push({ name: `${family}-${name}`, text: s.text, origin: s.origin });
    for (const [service, map] of this.parsed.serviceSettings) for (const [name, s] of map) out.push({ name: `${service}_${name}`, text: s.text, origin: s.origin });
    for (const [name, s] of this.parsed.foreign) out.push({ name, text: s.text, origin: s.origin });
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  private expand(text: string): string {
    return text.includes('{configdirectory}') ? text.replaceAll('{configdirectory}', this.configDirectory) : text;
  }
}
