/**
 * IMAP dates: `date` for SEARCH (1-Feb-1994, optionally quoted), `date-time` for APPEND and
 * INTERNALDATE ("17-Jul-1996 02:44:25 -0700").
 */
import { parseImapDateText as parseDateText, parseImapDateTime as parseDateTimeText, type ImapDate } from '../../message/index.js';
import type { ArgumentCursor } from './cursor.js';

export { parseDateTimeText, type ImapDate };

export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** `date` = date-text / DQUOTE date-text DQUOTE. */
export function parseDate(cursor: ArgumentCursor): ImapDate {
  const text = cursor.peek() === '"' ? cursor.quoted() : cursor.atom('date');
  const date = parseDateText(text, false);
  if (!date) cursor.fail(`Invalid date "${text}"`);
  return date;
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

