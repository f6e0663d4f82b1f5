/**
 * Rights as a type: an immutable set of the RFC 4314 rights, one bit per right, in Cyrus's letters
 * `l r s w i p k x t e a n`. Every distinct set is one shared object, so `===` compares two sets
 * and building one allocates nothing after the first time.
 *
 * The obsolete `c` and `d` of RFC 2086 are macros, as in Cyrus 3.6 (RFC 4314 section 2.1.1, with
 * Cyrus's default `deleteright: c`):
 * - in text to parse, `c` means `kx` and `d` means `te`, but only when the text names none of
 *   their member rights (so "lrsck" is "lrsk", not "lrskx");
 * - in text shown to a client, `c` follows `x` when `k` or `x` is held, `d` when `t` or `e` is.
 */
import { MailError } from '../common/errors.js';

/** The real rights, each with its bit (the order of the bits is the order of the letters). */
const LETTERS = 'lrswipkxtean';
const BIT = new Map<string, number>([...LETTERS].map((letter, i) => [letter, 1 << i]));
const bit = (letter: string): number => BIT.get(letter)!;

const CREATE_MEMBERS = bit('k') | bit('x');
const DELETE_MEMBERS = bit('t') | bit('e');
const EVERY_BIT = (1 << LETTERS.length) - 1;

/** Every set there is, made on first use. */
const interned: Array<Rights | undefined> = new Array<Rights | undefined>(EVERY_BIT + 1);
/** Parsed text, for the short right lists that callers pass as strings ("r", "lrs"). */
const parsedText = new Map<string, Rights>();

export class Rights {
  /** No right at all. */
  static readonly NONE: Rights = Rights.ofBits(0);
  /** Every right: "lrswipkxtecdan". */
  static readonly ALL: Rights = Rights.ofBits(EVERY_BIT);

  private constructor(readonly bits: number) {
    Object.freeze(this);
  }

  /** The set with exactly these bits (bits outside the known rights are dropped). */
  static ofBits(bits: number): Rights {
    const masked = bits & EVERY_BIT;
    return (interned[masked] ??= new Rights(masked));
  }

  /**
   * Rights from their letters, c and d as macros (see the file comment). An unknown character is
   * MailError Invalid, unless `lenient` (rights read back from a stored ACL: Cyrus's user-defined
   * digits and stray letters are ignored there, never an error).
   */
  static parse(text: string, options: { lenient?: boolean } = {}): Rights {
    let bits = 0;
    let legacyCreate = false;
    let legacyDelete = false;
    for (const letter of text) {
      const found = BIT.get(letter);
      if (found !== undefined) bits |= found;
      else if (letter === 'c') legacyCreate = true;
      else if (letter === 'd') legacyDelete = true;
      else if (!options.lenient) throw new MailError('Invalid', `unknown right "${letter}"`);
    }
    if (legacyCreate && (bits & CREATE_MEMBERS) === 0) bits |= CREATE_MEMBERS;
    if (legacyDelete && (bits & DELETE_MEMBERS) === 0) bits |= DELETE_MEMBERS;
    return Rights.ofBits(bits);
  }

  /** `rights` itself, or the strict parse of its letters (remembered: callers repeat the same few). */
  static from(rights: Rights | string): Rights {
    if (rights instanceof Rights) return rights;
    let found = parsedText.get(rights);
    if (found === undefined) {
      found = Rights.parse(rights);
      if (parsedText.size < 1024) parsedText.set(rights, found);
    }
    return found;
  }

  get isEmpty(): boolean {
    return this.bits === 0;
  }

  /** Whether every right of `needed` is in this set ("" and NONE: always). */
  has(needed: Rights | string): boolean {
    const want = Rights.from(needed).bits;
    return (this.bits & want) === want;
  }

  /** Whether at least one right of `some` is in this set. */
  hasAny(some: Rights | string): boolean {
    return (this.bits & Rights.from(some).bits) !== 0;
  }

  union(other: Rights | string): Rights {
    return Rights.ofBits(this.bits | Rights.from(other).bits);
  }

  minus(other: Rights | string): Rights {
    return Rights.ofBits(this.bits & ~Rights.from(other).bits);
  }

  intersect(other: Rights | string): Rights {
    return Rights.ofBits(this.bits & Rights.from(other).bits);
  }

  /** The rights of `needed` this set lacks. */
  missing(needed: Rights | string): Rights {
    return Rights.from(needed).minus(this);
  }

  /** The letters in Cyrus's order "lrswipkxtecdan", with the c and d macros shown (MYRIGHTS, ACL). */
  format(): string {
    let out = '';
    for (const letter of 'lrswipkxte') if (this.bits & bit(letter)) out += letter;
    if (this.bits & CREATE_MEMBERS) out += 'c';
    if (this.bits & DELETE_MEMBERS) out += 'd';
    for (const letter of 'an') if (this.bits & bit(letter)) out += letter;
    return out;
  }

  toString(): string {
    return this.format();
  }
}
