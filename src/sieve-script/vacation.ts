/**
 * vacation (RFC 5230, RFC 6131 :seconds): whether a reply may be sent for this message (4.5 "was it
 * sent to me", 4.6 "is the sender one to answer"), and the fields of the action.
 */
import { createHash } from 'node:crypto';
import { parseAddressList, type ParsedAddress } from './address.js';

export interface VacationArguments {
  days: number | null;
  seconds: number | null;
  subject: string | null;
  from: string | null;
  addresses: readonly string[];
  mime: boolean;
  handle: string | null;
  reason: string;
}

export interface VacationMessage {
  /** Decoded header values by lower-cased name. */
  header(name: string): readonly string[];
  /** Raw (undecoded) header values by lower-cased name, for address parsing. */
  rawHeader(name: string): readonly string[];
  envelopeFrom: string;
  userAddresses: readonly string[];
}

const listHeaders = ['list-id', 'list-help', 'list-subscribe', 'list-unsubscribe', 'list-post', 'list-owner', 'list-archive'];
const recipientHeaders = ['to', 'cc', 'bcc', 'resent-to', 'resent-cc', 'resent-bcc'];

/** The local part without a "+detail", and the domain, both lower-cased, for "is this me". */
function identity(a: ParsedAddress): string {
  const plus = a.localPart.indexOf('+');
  const local = plus >= 0 ? a.localPart.slice(0, plus) : a.localPart;
  return `${local.toLowerCase()}@${a.domain.toLowerCase()}`;
}

/** Why no reply is sent to this message, or null when one may be. */
export function vacationSuppressed(args: VacationArguments, message: VacationMessage): string | null {
  const from = message.envelopeFrom;
  if (from === '') return 'null reverse-path';
  const sender = parseAddressList(from)[0];
  const local = (sender?.localPart ?? from).toLowerCase();
  if (local === 'mailer-daemon' || local === 'postmaster' || local === 'listserv' || local === 'majordomo'
    || local.startsWith('owner-') || local.endsWith('-request') || local.endsWith('-owner') || local.endsWith('-bounces')) {
    return 'sender is a list or system address';
  }
  for (const value of message.header('auto-submitted')) {
    if (value.trim().toLowerCase().split(/[ \t;(]/)[0] !== 'no') return 'Auto-Submitted';
  }
  for (const name of listHeaders) if (message.header(name).length > 0) return 'mailing list';
  for (const value of message.header('precedence')) {
    if (['bulk', 'list', 'junk'].includes(value.trim().toLowerCase())) return 'Precedence';
  }
  const mine = new Set<string>();
  for (const own of [...message.userAddresses, ...args.addresses]) {
    const parsed = parseAddressList(own)[0];
    if (parsed !== undefined && parsed.domain !== '') mine.add(identity(parsed));
  }
  if (sender !== undefined && mine.has(identity(sender))) return 'sent by the user';
  for (const name of recipientHeaders) {
    for (const value of message.rawHeader(name)) {
      for (const a of parseAddressList(value)) if (mine.has(identity(a))) return null;
    }
  }
  return 'not addressed to the user';
}

/** A stable handle for replies with the same arguments (RFC 5230 4.2 leaves it to us). */
export function vacationHandle(args: VacationArguments): string {
  const digest = createHash('sha256');
  digest.update(JSON.stringify([args.reason, args.subject, args.from, args.mime]));
  return `vacation-${digest.digest('hex').slice(0, 32)}`;
}

/** The default subject: "Auto: " and the original subject (RFC 5230 4.3). */
export function vacationSubject(args: VacationArguments, originalSubject: string | null): string {
  if (args.subject !== null) return args.subject;
  if (originalSubject === null || originalSubject.trim() === '') return 'Automated reply';
  return `Auto: ${originalSubject.trim()}`;
}
