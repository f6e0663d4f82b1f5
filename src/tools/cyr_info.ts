import type { Command } from 'commander';
import { ConfigError, ImapdConfig, OPTION_BY_NAME, OPTIONS, type OptionSpec } from '../config/index.js';
import { OPTION_FAMILIES, OPTION_FAMILIES_DOC } from '../config/types.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { buildTlsContext } from '../common/server-files.js';
import { splitFiles } from '../common/tls-settings.js';
import { CyrusConfError, loadCyrusConf } from '../config/cyrus-conf.js';
import { formatListen } from '../config/cyrus-conf-listen.js';

export const OPTIONS_BEGIN = '<!-- options:begin (generated from src/config/options by `cyrusts cyr_info options-markdown`; do not edit by hand) -->';
export const OPTIONS_END = '<!-- options:end -->';

function durationText(seconds: number): string {
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) if (seconds !== 0 && seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

/** An option's effective value as cyr_info shows it ("" when unset without a default). */
export function effectiveText(config: ImapdConfig, spec: OptionSpec): string {
  switch (spec.type) {
    case 'string':
    case 'enum':
      return config.string(spec.name) ?? '';
    case 'path':
      return config.path(spec.name) ?? '';
    case 'int':
      return String(config.int(spec.name));
    case 'switch':
      return config.bool(spec.name) ? 'yes' : 'no';
    case 'stringlist':
    case 'bitfield':
      return config.list(spec.name).join(' ');
    case 'duration': {
      const s = config.seconds(spec.name);
      return s === null ? '' : durationText(s);
    }
    case 'bytesize':
      return String(config.bytes(spec.name));
  }
}

/** The default the same way: what effectiveText shows when the option is not set. */
export function defaultText(spec: OptionSpec): string {
  return effectiveText(ImapdConfig.fromText(`configdirectory: /default\n`, '<defaults>'), spec).replaceAll('/default', '{configdirectory}');
}

/** Every `partition-NAME`, `metapartition-NAME`, ... line, paths expanded. */
function familyLines(config: ImapdConfig): string[] {
  const lines: string[] = [];
  for (const family of OPTION_FAMILIES) for (const [name, path] of config.family(family)) lines.push(`${family}-${name}: ${path}`);
  return lines;
}

/** Every `SERVICE_option` line, its value shown the way the service sees it. */
function serviceOverrideLines(config: ImapdConfig): string[] {
  return config.serviceOverrides().map((o) => `${o.service}_${o.name}: ${effectiveText(config.forService(o.service), OPTION_BY_NAME.get(o.name)!)}`);
}

/**
 * `conf`: the settings whose effective value differs from the default, then the partition
 * families, the SERVICE_option overrides and the pass-through ones.
 */
export function confDiffering(config: ImapdConfig): string[] {
  const lines: string[] = [];
  const defaults = ImapdConfig.fromText(`configdirectory: ${config.configDirectory}\n`, '<defaults>');
  for (const spec of OPTIONS) {
    if (!config.isSet(spec.name)) continue;
    const value = effectiveText(config, spec);
    const fallback = spec.default === null ? '' : effectiveText(defaults, spec);
    if (value !== fallback) lines.push(`${spec.name}: ${value}`);
  }
  lines.push(...familyLines(config), ...serviceOverrideLines(config));
  for (const unused of config.unusedOptions()) lines.push(`${unused.name}: ${unused.text}`);
  return lines;
}

/** `conf-all`: every option of the table with its effective value. */
export function confAll(config: ImapdConfig): string[] {
  return [...OPTIONS.map((spec) => `${spec.name}: ${effectiveText(config, spec)}`), ...familyLines(config)];
}

/** `conf-default`: every option's default. */
export function confDefault(): string[] {
  return OPTIONS.map((spec) => `${spec.name}: ${spec.default === null ? '' : spec.default}`);
}

/** `conf-lint`: unknown options and Cyrus options this server does not act on, with file:line. */
export function confLint(config: ImapdConfig): string[] {
  const lines = config.warnings.map((w) => `${w.file}:${w.line}: ${w.message}`);
  for (const u of config.unusedOptions()) lines.push(`${u.origin.file}:${u.origin.line}: ${u.name}: accepted but not used by this server`);
  lines.push(...tlsLint(config));
  return lines;
}

/** The options that name TLS files (a certificate or key may be two, comma-separated). */
const TLS_FILES = ['tls_server_cert', 'tls_server_key', 'tls_server_dhparam', 'tls_client_ca_file', 'tls_client_ca_dir', 'tls_crl_file', 'tls_server_ca_file', 'tls_server_ca_dir', 'tls_client_cert', 'tls_client_key'] as const;

/**
 * What is wrong with the TLS settings: each named file that is not there (a missing one makes every
 * TLS-on-connect service fail its start, issue 17), then, when they all are, whether the server's
 * context can be built from them as the services will build it (a key that does not match its
 * certificate, a tls_versions that leaves no version on, a cipher list OpenSSL refuses).
 */
function tlsLint(config: ImapdConfig): string[] {
  const lines: string[] = [];
  for (const name of TLS_FILES) {
    const text = config.path(name);
    if (text === null || text === 'disabled') continue;
    const origin = config.originOf(name);
    const at = origin ? `${origin.file}:${origin.line}: ` : '';
    for (const path of splitFiles(text)) {
      if (!existsSync(path)) lines.push(`${at}${name}: ${path} does not exist`);
    }
  }
  if (lines.length > 0) return lines;
  try {
    buildTlsContext(config);
  } catch (err) {
    const origin = config.originOf('tls_server_cert');
    lines.push(`${origin ? `${origin.file}:${origin.line}: ` : ''}TLS cannot be set up (STARTTLS and TLS-on-connect services would be off): ${(err as Error).message}`);
  }
  return lines;
}

function typeText(spec: OptionSpec): string {
  switch (spec.type) {
    case 'enum':
      return `one of ${spec.values!.map((v) => `\`${v}\``).join(', ')}`;
    case 'bitfield':
      return `any of ${spec.values!.map((v) => `\`${v}\``).join(', ')}`;
    case 'duration':
      return `duration (bare number: ${{ s: 'seconds', m: 'minutes', h: 'hours', d: 'days' }[spec.unit ?? 's']})`;
    case 'bytesize':
      return 'size (K, M, G)';
    case 'stringlist':
      return 'list';
    default:
      return spec.type;
  }
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** The option reference in Markdown, one table per area, between the README markers. */
export function optionsMarkdown(options: readonly OptionSpec[] = OPTIONS): string {
  const areas = [...new Set(options.map((o) => o.area))];
  const out = [OPTIONS_BEGIN, ''];
  for (const area of areas) {
    out.push(`### ${area}`, '', '| option | type | default | what it does |', '|---|---|---|---|');
    for (const spec of options.filter((o) => o.area === area)) {
      out.push(`| \`${spec.name}\` | ${cell(typeText(spec))} | ${spec.default === null ? '—' : `\`${cell(spec.default)}\``} | ${cell(spec.doc)} |`);
    }
    out.push('');
  }
  out.push(OPTION_FAMILIES_DOC + ' Any option may be given for one service only as `SERVICE_option` (the cyrus.conf entry name, e.g. `imaps_allowplaintext`).', '', OPTIONS_END);
  return out.join('\n') + '\n';
}

/** Replace the generated block of `text` (between the markers) with the current reference. */
export function replaceOptionsBlock(text: string, block = optionsMarkdown()): string {
  const begin = text.indexOf('<!-- options:begin');
  const end = text.indexOf(OPTIONS_END);
  if (begin < 0 || end < begin) throw new Error('no <!-- options:begin --> ... <!-- options:end --> markers');
  return text.slice(0, begin) + block.trimEnd() + text.slice(end + OPTIONS_END.length);
}

/** `services`: the SERVICES entries of cyrus.conf and where they listen. */
export function servicesList(cyrusConfFile: string): string[] {
  return loadCyrusConf(cyrusConfFile).services.map((s) => `${s.name}\t${s.cmd}\t${formatListen(s.listen)}\tprefork=${s.prefork} maxchild=${s.maxchild}`);
}

const COMMANDS = ['conf', 'conf-all', 'conf-default', 'conf-lint', 'services', 'options-markdown'] as const;

interface CyrInfoFlags {
  config: string;
  masterConfig: string;
  service?: string;
  update?: string[];
}

/** Run one cyr_info command; returns the exit status. */
export function runCyrInfo(command: string, flags: CyrInfoFlags, out: (text: string) => void, err: (text: string) => void): number {
  const print = (lines: string[]) => out(lines.length > 0 ? lines.join('\n') + '\n' : '');
  try {
    switch (command) {
      case 'options-markdown': {
        if (!flags.update?.length) {
          out(optionsMarkdown());
          return 0;
        }
        for (const file of flags.update) writeFileSync(file, replaceOptionsBlock(readFileSync(file, 'utf8')));
        return 0;
      }
      case 'conf-default':
        print(confDefault());
        return 0;
      case 'services':
        print(servicesList(flags.masterConfig));
        return 0;
    }
    const config = ImapdConfig.load(flags.config).forService(flags.service ?? null);
    if (command === 'conf') print(confDiffering(config));
    else if (command === 'conf-all') print(confAll(config));
    else if (command === 'conf-lint') {
      const lines = confLint(config);
      print(lines);
      return lines.length > 0 ? 1 : 0;
    } else {
      err(`cyr_info: unknown command "${command}" (one of: ${COMMANDS.join(', ')})\n`);
      return 64;
    }
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError) && !(e instanceof CyrusConfError) && !(e instanceof Error && command === 'options-markdown')) throw e;
    err(`cyr_info: ${(e as Error).message}\n`);
    return 78;
  }
}

/** `cyrusts cyr_info [-C imapd.conf] [-M cyrus.conf] [-n service] COMMAND`, like Cyrus's cyr_info. */
export const registerCyrInfo = (program: Command): void => {
  program
    .command('cyr_info')
    .description(`show the configuration: ${COMMANDS.join(', ')}`)
    .argument('<command>', `conf (settings that differ from the default), conf-all (every option), conf-default, conf-lint (unknown and unused options with file:line), services (cyrus.conf), options-markdown (the option reference)`)
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-M, --master-config <file>', 'cyrus.conf to read (for services)', '/etc/cyrus.conf')
    .option('-n, --service <name>', 'show the values as this service sees them (SERVICE_option overrides)')
    .option('--update <files...>', 'options-markdown: rewrite the generated block of these files in place')
    .action((command: string, flags: CyrInfoFlags) => {
      process.exitCode = runCyrInfo(command, flags, (t) => process.stdout.write(t), (t) => process.stderr.write(t));
    });
};
