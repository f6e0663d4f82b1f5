/**
 * IMAP LIST patterns over internal names: "*" matches anything, "%" anything but the hierarchy
 * separator. A pattern is split into its literal prefix (used for a range scan on the name key)
 * and a matcher for the rest.
 */
import { HIERARCHY_SEPARATOR } from './names.js';

export interface CompiledPattern {
  /** The pattern itself. */
  text: string;
  /** The characters before the first wildcard. */
  literalPrefix: string;
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
    text: pattern,
    literalPrefix,
    matches: (name: string) => name.startsWith(literalPrefix) && regex.test(name.slice(plen)),
  };
}

/** A pattern cut for a walk down the hierarchy (see MailboxList.list). */
export interface PatternSteps {
  /** The literal text up to and including the last separator before the first wildcard. */
  base: string;
  /** The rest, one entry per hierarchy level. */
  components: CompiledComponent[];
}

export interface CompiledComponent {
  text: string;
  /** The characters before the component's first wildcard. */
  literalPrefix: string;
  /** "*" can cross separators: from this component on the walk turns into a range scan. */
  hasStar: boolean;
  /** The component has no wildcard: the level is one name, not a set of children. */
  isLiteral: boolean;
  /** Whether a single component (no separator) matches (meaningful when !hasStar). */
  matches(component: string): boolean;
}

function compileComponent(text: string): CompiledComponent {
  const firstWild = text.search(/[*%]/);
  const literalPrefix = firstWild < 0 ? text : text.slice(0, firstWild);
  let source = '';
  for (const ch of text) source += ch === '%' ? `[^${escapeRegExp(HIERARCHY_SEPARATOR)}]*` : escapeRegExp(ch);
  const regex = new RegExp(`^${source}$`, 'u');
  return { text, literalPrefix, hasStar: text.includes('*'), isLiteral: firstWild < 0, matches: (c) => regex.test(c) };
}

export function patternSteps(pattern: string): PatternSteps {
  const firstWild = pattern.search(/[*%]/);
  const literal = firstWild < 0 ? pattern : pattern.slice(0, firstWild);
  const base = literal.slice(0, literal.lastIndexOf(HIERARCHY_SEPARATOR) + 1);
  return { base, components: pattern.slice(base.length).split(HIERARCHY_SEPARATOR).map(compileComponent) };
}
