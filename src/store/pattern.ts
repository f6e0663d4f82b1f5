/**
 * IMAP LIST patterns over internal names: "*" matches anything, "%" anything but the hierarchy
 * separator. A pattern is split into its literal prefix (used for a range scan on the name key)
 * and a matcher for the rest.
 */
import { HIERARCHY_SEPARATOR } from './names.js';

export interface CompiledPattern {
  /** The characters before the first wildcard. */
  literalPrefix: string;
  /** Whether the pattern contains "*" (if not, matches have a fixed number of separators). */
  hasStar: boolean;
  /** Separators in the pattern after the literal prefix (meaningful when !hasStar). */
  separatorsAfterPrefix: number;
  matches(name: string): boolean;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compilePattern(pattern: string): CompiledPattern {
  const firstWild = pattern.search(/[*%]/);
  const literalPrefix = firstWild < 0 ? pattern : pattern.slice(0, firstWild);
  const rest = pattern.slice(literalPrefix.length);
  const sep = escapeRegExp(HIERARCHY_SEPARATOR);
  let source = '';
  for (const ch of rest) {
    if (ch === '*') source += '[\\s\\S]*';
    else if (ch === '%') source += `[^${sep}]*`;
    else source += escapeRegExp(ch);
  }
  const regex = new RegExp(`^${source}$`, 'u');
  const plen = literalPrefix.length;
  return {
    literalPrefix,
    hasStar: rest.includes('*'),
    separatorsAfterPrefix: rest.split(HIERARCHY_SEPARATOR).length - 1,
    matches: (name: string) => name.startsWith(literalPrefix) && regex.test(name.slice(plen)),
  };
}
