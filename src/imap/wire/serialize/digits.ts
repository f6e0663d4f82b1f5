/**
 * Whole numbers written as ASCII digits straight into a byte buffer, for the responses that carry
 * one or two numbers per message (UID FETCH 1:* (UID FLAGS), SEARCH): two digits per integer
 * division through a table of the hundred digit pairs. Math.floor(x / 10) and x % 10 per digit
 * (a floating-point modulo each) cost three to four times as much, most of a FLAGS line's time on
 * 100,000 messages (issue 16).
 */

/** '00' to '99': the digits of n at 2n and 2n + 1. */
const PAIRS = new Uint8Array(200);
for (let n = 0; n < 100; n++) {
  PAIRS[2 * n] = 48 + Math.floor(n / 10);
  PAIRS[2 * n + 1] = 48 + (n % 10);
}

/** The largest value writeDecimal takes. */
export const MAX_DECIMAL = 0xffffffff;

/** How many decimal digits `value` (0 to MAX_DECIMAL) has. */
export function decimalLength(value: number): number {
  return value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : value < 10000 ? 4 : value < 100000 ? 5
    : value < 1000000 ? 6 : value < 10000000 ? 7 : value < 100000000 ? 8 : value < 1000000000 ? 9 : 10;
}

/**
 * The decimal digits of `value`, an integer from 0 to MAX_DECIMAL, at `at` (room for 10 bytes is
 * the caller's); returns where they end.
 */
export function writeDecimal(buf: Uint8Array, at: number, value: number): number {
  const end = at + decimalLength(value);
  let q = end;
  let v = value;
  while (v >= 100) {
    const next = (v / 100) >>> 0;
    const pair = (v - next * 100) << 1;
    buf[--q] = PAIRS[pair + 1]!;
    buf[--q] = PAIRS[pair]!;
    v = next;
  }
  if (v >= 10) {
    buf[--q] = PAIRS[(v << 1) + 1]!;
    buf[--q] = PAIRS[v << 1]!;
  } else buf[--q] = 48 + v;
  return end;
}
