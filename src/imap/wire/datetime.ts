/**
 * IMAP dates: `date` for SEARCH (1-Feb-1994, optionally quoted), `date-time` for APPEND and
 * INTERNALDATE ("17-Jul-1996 02:44:25 -0700").
 */
import type { ArgumentCursor } from './cursor.js';

export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const MONTH_INDEX = new Map<string, number>(MONTHS.map((m, i) => [m.toUpperCase(), i]));

/** A calendar day without a time or zone (SEARCH compares days, RFC 3501 6.4.4). */
export interface ImapDate {
  year: number;
  /** 1-12. */
  month: number;
  day: number;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseDateText(text: string, fixedDay: boolean): ImapDate | null {
  const match = fixedDay
    ? /^([ \d]\d)-([A-Za-z]{3})-(\d{4})$/.exec(text)
    : /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  if (!match) return null;
  const day = Number(match[1]!.trim());
  const monthIndex = MONTH_INDEX.get(match[2]!.toUpperCase());
  const year = Number(match[3]);
  if (monthIndex === undefined || day < 1 || day > daysInMonth(year, monthIndex + 1)) return null;
  return { year, month: monthIndex + 1, day };
}

/** `date` = date-text / DQUOTE date-text DQUOTE. */
export function parseDate(cursor: ArgumentCursor): ImapDate {
  const text = cursor.peek() === '"' ? cursor.quoted() : cursor.atom('date');
  const date = parseDateText(text, false);
  if (!date) cursor.fail(`Invalid date "${text}"`);
  return date;
}

/** Parse the text of a date-time (without quotes); null when invalid. */
export function parseDateTimeText(text: string): Date | null {
  const match = /^(.{2}-[A-Za-z]{3}-\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  if (!match) return null;
  const date = parseDateText(match[1]!, true);
  const hours = Number(match[2]);
  const minutes = Number(match[3]);
  const seconds = Number(match[4]);
  const zoneHours = Number(match[6]);
  const zoneMinutes = Number(match[7]);
  if (!date || hours > 23 || minutes > 59 || seconds > 60 || zoneMinutes > 59) return null;
  const offset = (match[5] === '-' ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
  const utc = Date.UTC(date.year, date.month - 1, date.day, hours, minutes, seconds) - offset * 60_000;
  return new Date(utc);
}

/** `date-time` = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE. */
export function parseDateTime(cursor: ArgumentCursor): Date {
  if (cursor.peek() !== '"') cursor.fail('Expected date-time');
  const text = cursor.quoted();
  const date = parseDateTimeText(text);
  if (!date) cursor.fail(`Invalid date-time "${text}"`);
  return date;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * The quoted date-time of INTERNALDATE, in the given zone (minutes east of UTC; the server's
 * local zone by default), e.g. `"17-Jul-1996 02:44:25 -0700"`.
 */
export function formatDateTime(date: Date, offsetMinutes = -date.getTimezoneOffset()): string {
  const shifted = new Date(date.getTime() + offsetMinutes * 60_000);
  const day = shifted.getUTCDate();
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `"${day < 10 ? ` ${day}` : day}-${MONTHS[shifted.getUTCMonth()]}-${shifted.getUTCFullYear()} ${pad2(shifted.getUTCHours())}:${pad2(
    shifted.getUTCMinutes(),
  )}:${pad2(shifted.getUTCSeconds())} ${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}"`;
}

