import type { OptionSpec, OptionValue } from './types.js';

const TRUE_WORDS = new Set(['yes', 'on', 'true', '1', 't', 'y']);
const FALSE_WORDS = new Set(['no', 'off', 'false', '0', 'f', 'n']);
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
const SIZE_FACTOR: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** Why a value was refused: the text says what is allowed. */
export class ValueError extends Error {}

function parseSwitch(text: string): boolean {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new ValueError('expected yes/no, on/off, true/false or 1/0');
}

export function parseInt10(text: string): number {
  if (!/^[-+]?\d+$/.test(text.trim())) throw new ValueError('expected a whole number');
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n)) throw new ValueError('number out of range');
  return n;
}

/** "90", "90s", "30m", "1h30m", "2d" → seconds; a bare number is in `unit`. */
function parseDuration(text: string, unit: keyof typeof UNIT_SECONDS = 's'): number {
  const t = text.trim().toLowerCase();
  if (/^[-+]?\d+$/.test(t)) return parseInt10(t) * UNIT_SECONDS[unit];
  if (!/^(\d+[smhd])+$/.test(t)) throw new ValueError('expected a duration: a number with an optional unit s, m, h or d (e.g. 30m, 1h30m)');
  let total = 0;
  for (const m of t.matchAll(/(\d+)([smhd])/g)) total += Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
  return total;
}

/** "1024", "64K", "10M", "1G" → bytes (powers of 1024). */
function parseByteSize(text: string): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const factor = m ? SIZE_FACTOR[m[2]!.toLowerCase()] : undefined;
  if (!m || factor === undefined) throw new ValueError('expected a size: a number with an optional K, M or G suffix');
  return Number(m[1]) * factor;
}

export function parseList(text: string): string[] {
  return text.split(/[\s,|]+/).filter((w) => w.length > 0);
}

export function isAbsoluteConfigPath(text: string): boolean {
  return text.startsWith('/') || text.startsWith('{configdirectory}');
}

/** Turn the text of an option into its typed value, or throw ValueError saying what is allowed. */
export function parseOptionValue(spec: OptionSpec, text: string): OptionValue {
  const raw = text.trim();
  switch (spec.type) {
    case 'string':
      return raw;
    case 'switch':
      return parseSwitch(raw);
    case 'int': {
      const n = parseInt10(raw);
      if (spec.min !== undefined && n < spec.min) throw new ValueError(`must be at least ${spec.min}`);
      return n;
    }
    case 'duration': {
      const n = parseDuration(raw, spec.unit ?? 's');
      if (spec.min !== undefined && n < spec.min) throw new ValueError(`must be at least ${spec.min} seconds`);
      return n;
    }
    case 'bytesize': {
      const n = parseByteSize(raw);
      if (spec.min !== undefined && n < spec.min && n !== 0) throw new ValueError(`must be 0 or at least ${spec.min} bytes`);
      return n;
    }
    case 'enum': {
      const word = raw.toLowerCase();
      if (!spec.values?.includes(word)) throw new ValueError(`expected one of: ${spec.values?.join(', ')}`);
      return word;
    }
    case 'bitfield': {
      const words = parseList(raw.toLowerCase());
      for (const w of words) if (!spec.values?.includes(w)) throw new ValueError(`"${w}" is not one of: ${spec.values?.join(', ')}`);
      return words;
    }
    case 'stringlist':
      return parseList(raw);
    case 'path':
      if (!isAbsoluteConfigPath(raw)) throw new ValueError('expected an absolute path');
      return raw;
  }
}
