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

/** A calendar day without a time or zone (IMAP's `date`: SEARCH compares days, RFC 3501 6.4.4). */
export interface ImapDate {
  year: number;
  /** 1-12. */
  month: number;
  day: number;
}

/** A UTC time from calendar fields that may overflow (31 Feb → 3 Mar), years 0-99 taken as written. */
function overflowUtc(year: number, month: number, day: number, hours = 0, minutes = 0, seconds = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hours, minutes, seconds, 0);
  return date.getTime();
}

/**
 * IMAP's date-text ("1-Feb-1994"; with `fixedDay`, date-time's two-character day " 1" or "01"),
 * or null when it does not follow the grammar. A day the month does not have is carried into the
 * next month (31-Feb-2026 is 3-Mar-2026, 00-Jan-2026 is 31-Dec-2025), as Cyrus does: the grammar
 * allows any two digits, and Cyrus and Dovecot both take such dates (a migration copying old mail
 * with a broken date must not fail).
 */
export function parseImapDateText(text: string, fixedDay: boolean): ImapDate | null {
  const match = fixedDay ? /^([ \d]\d)-([A-Za-z]{3})-(\d{4})$/.exec(text) : /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  if (!match) return null;
  const month = MONTHS.indexOf(match[2]!.toLowerCase()) + 1;
  if (month === 0) return null;
  const date = new Date(overflowUtc(Number(match[3]), month, Number(match[1]!.trim())));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/**
 * IMAP's date-text without its quotes ("17-Jul-1996 02:44:25 -0700", RFC 3501), or null when it
 * does not follow the grammar: APPEND's internal date, and values kept in that form (cyradm's
 * pop3showafter). Fields past their range carry over as in parseImapDateText ("24:00:00" is the
 * next day's midnight), as Cyrus's mktime does.
 */
export function parseImapDateTime(text: string): Date | null {
  const match = /^([ \d]\d)-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  if (!match) return null;
  const month = MONTHS.indexOf(match[2]!.toLowerCase()) + 1;
  if (month === 0) return null;
  const local = overflowUtc(Number(match[3]), month, Number(match[1]!.trim()), Number(match[4]), Number(match[5]), Number(match[6]));
  const offset = (match[7] === '-' ? -1 : 1) * (Number(match[8]) * 60 + Number(match[9]));
  return new Date(local - offset * 60_000);
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An RFC 5322 date-time in local time (Received lines, Date fields of mail the server writes). */
export function rfc5322Date(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${DAY_NAMES[date.getDay()]}, ${two(date.getDate())} ${MONTH_NAMES[date.getMonth()]} ${date.getFullYear()} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}

