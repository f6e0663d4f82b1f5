/**
 * Dates for SEARCH SENTBEFORE / SENTON / SENTSINCE: the calendar day written in the Date: header,
 * disregarding time and timezone (RFC 3501 6.4.4), as a day number comparable with calendarDay().
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Days since 1970-01-01 of a calendar date; null when the date does not exist. */
export function calendarDay(year: number, month: number, day: number): number | null {
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  const time = Date.UTC(year, month - 1, day);
  const check = new Date(time);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null;
  return Math.floor(time / 86_400_000);
}

/** RFC 5322 4.3 two- and three-digit years. */
function fullYear(digits: string): number {
  const year = Number(digits);
  if (digits.length === 2) return year < 50 ? 2000 + year : 1900 + year;
  if (digits.length === 3) return 1900 + year;
  return year;
}

/**
 * The day a Date: header value names (e.g. "Tue, 3 Mar 2026 23:30:00 -0500" → 2026-03-03), or null
 * when there is none; then SENT* compares the internal date instead, as Cyrus does.
 */
export function sentDay(value: string | null): number | null {
  if (value === null) return null;
  const text = value.replace(/\([^)]*\)/g, ' ');
  const rfc = /(?:^|[\s,])(\d{1,2})[\s-]+([a-z]{3})[a-z]*\.?[\s-]+(\d{2,4})\b/i.exec(text);
  if (rfc) {
    const month = MONTHS.indexOf(rfc[2]!.toLowerCase()) + 1;
    if (month > 0) return calendarDay(fullYear(rfc[3]!), month, Number(rfc[1]));
  }
  const iso = /\b(\d{4})-(\d{2})-(\d{2})(?!\d)/.exec(text);
  if (iso) return calendarDay(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  // asctime style: "Tue Mar  3 10:00:00 2026"
  const asc = /\b([a-z]{3})[a-z]*\s+(\d{1,2})\s+[\d:]+\s+(\d{4})\b/i.exec(text);
  if (asc) {
    const month = MONTHS.indexOf(asc[1]!.toLowerCase()) + 1;
    if (month > 0) return calendarDay(Number(asc[3]), month, Number(asc[2]));
  }
  return null;
}
