/**
 * The date extension (RFC 5260): date parts of a header's date or of the current time given by the
 * caller, in a time zone. Dates in headers are RFC 5322 date-times (for Received, after the last ";").
 */

export const DATE_PARTS = ['year', 'month', 'day', 'date', 'julian', 'hour', 'minute', 'second', 'time', 'iso8601', 'std11', 'zone', 'weekday'] as const;
export type DatePart = (typeof DATE_PARTS)[number];

/** A moment and the zone it is seen in, as minutes east of UTC. */
export interface ZonedDate {
  utcMs: number;
  offsetMinutes: number;
}

const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const dayNames = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const namedZones: Record<string, number> = {
  ut: 0, gmt: 0, z: 0, edt: -240, est: -300, cdt: -300, cst: -360, mdt: -360, mst: -420, pdt: -420, pst: -480,
};

/** "+hhmm" / "-hhmm" as minutes east of UTC; null when it is not one. */
export function parseZone(zone: string): number | null {
  const m = /^([+-])(\d{2})(\d{2})$/.exec(zone.trim());
  if (m === null) return null;
  const hours = Number(m[2]);
  const minutes = Number(m[3]);
  if (hours > 23 || minutes > 59) return null;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/** An RFC 5322 date-time (obsolete forms too); null when it cannot be read. */
export function parseMessageDate(value: string): ZonedDate | null {
  const text = value.replace(/\([^)]*\)/g, ' ').replace(/^\s*[A-Za-z]{3},?\s*/, '').trim();
  const m = /^(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[A-Za-z]+)?/.exec(text);
  if (m === null) return null;
  const day = Number(m[1]);
  const month = months.indexOf(m[2]!.toLowerCase());
  let year = Number(m[3]);
  if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3]!.length === 3) year += 1900;
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  let offset = 0;
  const zone = m[7];
  if (zone !== undefined) {
    const numeric = parseZone(zone);
    if (numeric !== null) offset = numeric;
    else offset = namedZones[zone.toLowerCase()] ?? 0; // military and unknown zones: -0000
  }
  const utcMs = Date.UTC(year, month, day, hour, minute, Math.min(second, 59)) - offset * 60000;
  if (Number.isNaN(utcMs)) return null;
  return { utcMs, offsetMinutes: offset };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function zoneText(offset: number, colon: boolean): string {
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${sign}${pad(Math.floor(abs / 60))}${colon ? ':' : ''}${pad(abs % 60)}`;
}

/** One date part of a moment seen in a zone (RFC 5260 section 4). */
export function datePart(date: ZonedDate, part: DatePart): string {
  const local = new Date(date.utcMs + date.offsetMinutes * 60000);
  const y = pad(local.getUTCFullYear(), 4);
  const mo = pad(local.getUTCMonth() + 1);
  const d = pad(local.getUTCDate());
  const h = pad(local.getUTCHours());
  const mi = pad(local.getUTCMinutes());
  const s = pad(local.getUTCSeconds());
  switch (part) {
    case 'year': return y;
    case 'month': return mo;
    case 'day': return d;
    case 'date': return `${y}-${mo}-${d}`;
    case 'julian': return String(Math.floor(local.getTime() / 86400000) + 40587);
    case 'hour': return h;
    case 'minute': return mi;
    case 'second': return s;
    case 'time': return `${h}:${mi}:${s}`;
    case 'iso8601': return `${y}-${mo}-${d}T${h}:${mi}:${s}${zoneText(date.offsetMinutes, true)}`;
    case 'std11':
      return `${dayNames[local.getUTCDay()]}, ${d} ${monthNames[local.getUTCMonth()]} ${y} ${h}:${mi}:${s} ${zoneText(date.offsetMinutes, false)}`;
    case 'zone': return zoneText(date.offsetMinutes, false);
    case 'weekday': return String(local.getUTCDay());
  }
}
