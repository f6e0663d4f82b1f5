/**
 * redirect's arguments beyond the address: :copy (RFC 3894), :list (extlists, RFC 6134), :notify
 * and :ret (redirect-dsn, RFC 6009 section 4) and :bytimerelative, :bytimeabsolute, :bymode and
 * :bytrace (redirect-deliverby, RFC 6009 section 5). The values are checked here when they are
 * constants (compile time) and again, once variables are expanded, when the script runs.
 */
import { stringsOf, type ReadArgs, type TagDef } from './arguments.js';
import { addressBookOf, unsupportedList } from './extlists.js';
import type { Command } from './program.js';

export const REDIRECT_TAGS: Record<string, TagDef> = {
  copy: { ext: 'copy' },
  list: { ext: 'extlists' },
  notify: { ext: 'redirect-dsn', arg: 'string' },
  ret: { ext: 'redirect-dsn', arg: 'string' },
  bytimerelative: { ext: 'redirect-deliverby', arg: 'number' },
  bytimeabsolute: { ext: 'redirect-deliverby', arg: 'string' },
  bymode: { ext: 'redirect-deliverby', arg: 'string' },
  bytrace: { ext: 'redirect-deliverby' },
};

/** The largest deliver-by time SMTP can carry (RFC 2852: at most nine digits). */
export const MAX_BY_SECONDS = 999_999_999;

const DSN_EVENTS = ['SUCCESS', 'FAILURE', 'DELAY'];

/** :notify as the RCPT NOTIFY parameter ("NEVER", or SUCCESS / FAILURE / DELAY joined by commas), or null when it is none. */
export function dsnNotify(value: string): string | null {
  const items = value.split(',').map((s) => s.trim().toUpperCase());
  if (items.length === 1 && items[0] === 'NEVER') return 'NEVER';
  if (items.some((i) => !DSN_EVENTS.includes(i)) || new Set(items).size !== items.length) return null;
  return items.join(',');
}

/** :ret as the MAIL RET parameter, or null when it is neither FULL nor HDRS. */
export function dsnRet(value: string): 'FULL' | 'HDRS' | null {
  const v = value.toUpperCase();
  return v === 'FULL' || v === 'HDRS' ? v : null;
}

/** :bymode as the BY parameter's mode letter (RFC 2852: N notify, R return), or null. */
export function byMode(value: string): 'N' | 'R' | null {
  const v = value.toLowerCase();
  return v === 'notify' ? 'N' : v === 'return' ? 'R' : null;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 date-time (:bytimeabsolute) as epoch milliseconds, or null when it is not one. */
export function parseDateTime(value: string): number | null {
  const m = DATE_TIME.exec(value);
  if (m === null) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60) return null;
  let offset = 0;
  const zone = m[8]!;
  if (zone !== 'Z' && zone !== 'z') {
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(4, 6));
    if (zh > 23 || zm > 59) return null;
    offset = (zone[0] === '-' ? -1 : 1) * (zh * 60 + zm);
  }
  const fraction = m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1000);
  return Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59)) + fraction - offset * 60_000;
}

type RedirectCommand = Extract<Command, { kind: 'redirect' }>;

/**
 * The redirect command from its read arguments, reporting what is wrong: :bytimerelative with
 * :bytimeabsolute, :bymode or :bytrace without either, and (when constants) a :notify, :ret or
 * :bymode value RFC 6009 does not define, a :bytimeabsolute that is no RFC 3339 date-time, a return
 * mode with no time left, an address that is none, or a :list name that is no list of ours.
 */
export function redirectCommand(
  line: number, a: ReadArgs, err: (message: string) => void, constant: (s: string) => boolean, validAddress: (s: string) => boolean,
): RedirectCommand {
  const tag = (name: string): string | null => {
    const v = a.tags.get(name);
    return v === undefined || v === null ? null : stringsOf(v)[0]!;
  };
  const address = stringsOf(a.positional[0]!)[0]!;
  const list = a.tags.has('list');
  if (constant(address)) {
    if (list && addressBookOf(address) === null) err(unsupportedList('redirect :list', address));
    if (!list && !validAddress(address)) err(`redirect: "${address}" is not a valid address`);
  }
  const notify = tag('notify');
  if (notify !== null && constant(notify) && dsnNotify(notify) === null) {
    err(`redirect: :notify "${notify}" must be "NEVER" or a comma-separated list of "SUCCESS", "FAILURE" and "DELAY"`);
  }
  const ret = tag('ret');
  if (ret !== null && constant(ret) && dsnRet(ret) === null) err(`redirect: :ret "${ret}" must be "FULL" or "HDRS"`);
  const relative = a.tags.get('bytimerelative');
  const byRelative = relative !== undefined && relative !== null && relative.kind === 'number' ? relative.value : null;
  const byAbsolute = tag('bytimeabsolute');
  if (byRelative !== null && byAbsolute !== null) err('redirect: :bytimerelative and :bytimeabsolute cannot be used together');
  const mode = tag('bymode');
  if (byRelative === null && byAbsolute === null) {
    for (const t of ['bymode', 'bytrace']) if (a.tags.has(t)) err(`redirect: :${t} needs :bytimerelative or :bytimeabsolute`);
  }
  if (mode !== null && constant(mode) && byMode(mode) === null) err(`redirect: :bymode "${mode}" must be "notify" or "return"`);
  if (byAbsolute !== null && constant(byAbsolute) && parseDateTime(byAbsolute) === null) {
    err(`redirect: :bytimeabsolute "${byAbsolute}" is not an RFC 3339 date-time (such as "2030-01-31T18:00:00+01:00")`);
  }
  if (byRelative !== null) {
    if (byRelative > MAX_BY_SECONDS) err(`redirect: :bytimerelative ${byRelative} is more than ${MAX_BY_SECONDS} seconds`);
    if (byRelative === 0 && (mode === null || (constant(mode) && byMode(mode) === 'R'))) err('redirect: :bytimerelative 0 leaves no time to deliver in mode "return"');
  }
  return {
    kind: 'redirect', line, address, copy: a.tags.has('copy'), list, notify, ret,
    byTime: byRelative !== null ? { relative: byRelative } : byAbsolute !== null ? { absolute: byAbsolute } : null,
    byMode: mode, byTrace: a.tags.has('bytrace'),
  };
}
