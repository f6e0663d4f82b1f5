/**
 * The one LIST-pattern compiler (RFC 3501 6.3.8): "*" matches anything, the separator included;
 * "%" anything but the separator; every other character itself. Used over internal names (the
 * store's walk, separator ".") and over external names (the namespace's LIST plans, "/" or ".").
 *
 * Matching runs the pattern as a non-deterministic automaton over the name, one character at a
 * time, keeping the set of live pattern positions; nothing ever backtracks. Runs of wildcards are
 * collapsed first ("%%%" is "%", any run holding a "*" is "*"), and positions that can only do
 * what a later live wildcard can do are dropped: a live "*" makes every earlier position useless,
 * a live "%" every earlier one back to the previous separator or "*" of the pattern. So
 * "%%%%…" and "*a*a*a…*ab" cost a few steps per character of the name.
 */

const STAR = -1;
const PERCENT = -2;

/** Counts the automaton's work (positions visited and entered), for tests that prove a pattern cannot stall a worker. */
export interface MatchMeter {
  steps: number;
}

export interface ListPattern {
  /** The pattern as given. */
  readonly text: string;
  readonly separator: string;
  /** The characters before the first wildcard. */
  readonly literalPrefix: string;
  /** The pattern has no wildcard: it names one name. */
  readonly isLiteral: boolean;
  /** The pattern holds a "*" (it can cross separators). */
  readonly hasStar: boolean;
  /** Whether the whole of `name` matches. */
  matches(name: string, meter?: MatchMeter): boolean;
  /** Whether some name starting with `prefix` (the prefix itself included) can match. */
  reaches(prefix: string, meter?: MatchMeter): boolean;
}

/** Compile `pattern` for names whose hierarchy separator is `separator` (one character). */
export function compileListPattern(pattern: string, separator: string): ListPattern {
  const firstWild = pattern.search(/[*%]/);
  const literalPrefix = firstWild < 0 ? pattern : pattern.slice(0, firstWild);
  const automaton = new Automaton(pattern, separator.charCodeAt(0));
  return {
    text: pattern,
    separator,
    literalPrefix,
    isLiteral: firstWild < 0,
    hasStar: pattern.includes('*'),
    matches: (name, meter) => (firstWild < 0 ? name === pattern : automaton.run(name, meter, true)),
    reaches: (prefix, meter) => automaton.run(prefix, meter, false),
  };
}

/**
 * Positions 0..n-1 hold a character code, STAR or PERCENT; position n is the end (accept).
 * `block[i]` numbers the stretches of the pattern between separators and stars: inside one, a live
 * "%" dominates every live position before it.
 */
class Automaton {
  private readonly tokens: Int32Array;
  private readonly block: Int32Array;
  private readonly mark: Uint32Array;
  private generation = 0;

  constructor(pattern: string, private readonly separator: number) {
    const tokens: number[] = [];
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern.charCodeAt(i);
      const token = c === 42 ? STAR : c === 37 ? PERCENT : c;
      const previous = tokens.length > 0 ? tokens[tokens.length - 1]! : 0;
      if (token < 0 && previous < 0) {
        // A run of wildcards: "%%" is "%", and a "*" anywhere in the run makes the run "*".
        if (token === STAR) tokens[tokens.length - 1] = STAR;
        continue;
      }
      tokens.push(token);
    }
    this.tokens = Int32Array.from(tokens);
    this.block = new Int32Array(tokens.length + 1);
    let block = 0;
    for (let i = 0; i < tokens.length; i++) {
      // A "*" is a block of its own: no "%" dominates it.
      if (tokens[i] === STAR) block++;
      this.block[i] = block;
      if (tokens[i] === separator || tokens[i] === STAR) block++;
    }
    this.block[tokens.length] = block + 1;
    this.mark = new Uint32Array(tokens.length + 1);
  }

  /** Run over `text`; `whole`: accept only at the end of the pattern, else while anything lives. */
  run(text: string, meter: MatchMeter | undefined, whole: boolean): boolean {
    const end = this.tokens.length;
    let live: number[] = [];
    this.stamp();
    this.enter(0, live, meter);
    for (let i = 0; i < text.length && live.length > 0; i++) {
      const c = text.charCodeAt(i);
      const next: number[] = [];
      this.stamp();
      for (const p of live) {
        if (meter) meter.steps++;
        if (p === end) continue;
        const t = this.tokens[p]!;
        if (t === STAR || (t === PERCENT && c !== this.separator)) this.enter(p, next, meter);
        else if (t === c) this.enter(p + 1, next, meter);
      }
      live = this.prune(next);
    }
    if (!whole) return live.length > 0;
    return live.includes(end);
  }

  private stamp(): void {
    this.generation = (this.generation + 1) >>> 0;
    if (this.generation === 0) {
      this.mark.fill(0);
      this.generation = 1;
    }
  }

  /** Add position `p` and those a wildcard lets it skip to (a wildcard may match nothing). */
  private enter(p: number, into: number[], meter: MatchMeter | undefined): void {
    for (;;) {
      if (meter) meter.steps++;
      if (this.mark[p] === this.generation) return;
      this.mark[p] = this.generation;
      into.push(p);
      if (p === this.tokens.length || this.tokens[p]! >= 0) return;
      p++;
    }
  }

  /**
   * Drop the positions a later live wildcard covers: from a live "*" the pattern can do whatever an
   * earlier position could, and so can a live "%" for earlier positions of its own block (no
   * separator or "*" between them, so they could only consume text without a separator).
   */
  private prune(live: number[]): number[] {
    if (live.length < 2) return live;
    live.sort((a, b) => b - a);
    const kept: number[] = [];
    let dominantBlock = -1;
    for (const p of live) {
      if (this.block[p] === dominantBlock) continue;
      if (p < this.tokens.length && this.tokens[p] === STAR) {
        kept.push(p);
        break;
      }
      kept.push(p);
      if (p < this.tokens.length && this.tokens[p] === PERCENT) dominantBlock = this.block[p]!;
    }
    return kept;
  }
}

/** A LIST pattern over internal names cut for a walk down the hierarchy (see MailboxList.list). */
export interface PatternSteps {
  /** The literal text up to and including the last separator before the first wildcard. */
  base: string;
  /** The rest, one compiled pattern per hierarchy level (each over one component). */
  components: ListPattern[];
}

/** Cut `pattern` at the separator: its literal base and one compiled pattern per level below it. */
export function patternSteps(pattern: string, separator: string): PatternSteps {
  const firstWild = pattern.search(/[*%]/);
  const literal = firstWild < 0 ? pattern : pattern.slice(0, firstWild);
  const base = literal.slice(0, literal.lastIndexOf(separator) + 1);
  return { base, components: pattern.slice(base.length).split(separator).map((text) => compileListPattern(text, separator)) };
}
