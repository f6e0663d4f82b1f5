/**
 * The mail a Sieve `notify` action sends by the mailto method (RFC 5436): recipients from the URI,
 * From the :from address or the user's own, Subject from the URI or else the :message, a body from
 * the URI or else the :message and a summary of the triggering message, `Auto-Submitted:
 * auto-notified` (so that no vacation or notify answers it), and the null envelope sender (no
 * bounce comes back to a notification). Only the URI's harmless fields are carried (parseMailto).
 */
import { rfc5322Date } from '../message/index.js';
import { parseMailto, type SieveAction } from '../sieve-script/index.js';
import { newMessageId, type OutgoingMail } from './outgoing.js';

type NotifyAction = Extract<SieveAction, { type: 'notify' }>;

/** What the notification says about the triggering message. */
export interface NotifiedMessage {
  from: string | null;
  subject: string | null;
  date: string | null;
  to: string;
}

const IMPORTANCE: Record<string, string> = { 1: 'high', 2: 'normal', 3: 'low' };
const PRIORITY: Record<string, string> = { 1: '1 (Highest)', 2: '3 (Normal)', 3: '5 (Lowest)' };

/** The notification mail, or null when the URI names nobody (the language checked it, so only a caller's mistake). */
export function notificationMail(action: NotifyAction, owner: string, about: NotifiedMessage, serverName: string, encode: (text: string) => string): OutgoingMail | null {
  const uri = parseMailto(action.method);
  if (uri === null) return null;
  const field = (name: string): string | undefined => uri.fields.find(([n]) => n === name)?.[1];
  const subject = field('subject') || (action.message ?? `Notification: ${about.subject ?? '(no subject)'}`);
  const summary = [
    `A message to ${about.to} arrived.`,
    `From: ${about.from ?? '(unknown)'}`,
    `Subject: ${about.subject ?? '(none)'}`,
    ...(about.date === null ? [] : [`Date: ${about.date}`]),
  ];
  const body = field('body') ?? [...(action.message === null ? [] : [action.message, '']), ...summary].join('\n');
  const header = [
    `From: ${action.from ?? owner}`,
    ...(uri.to.length > 0 ? [`To: ${uri.to.join(', ')}`] : []),
    ...(uri.cc.length > 0 ? [`Cc: ${uri.cc.join(', ')}`] : []),
    `Subject: ${encode(subject)}`,
    `Date: ${rfc5322Date(new Date())}`,
    `Message-ID: ${newMessageId(serverName)}`,
    ...uri.fields.filter(([n]) => n !== 'subject' && n !== 'body').map(([n, v]) => `${n.replace(/(^|-)[a-z]/g, (c) => c.toUpperCase())}: ${encode(v)}`),
    'Auto-Submitted: auto-notified',
    `Importance: ${IMPORTANCE[action.importance]}`,
    `X-Priority: ${PRIORITY[action.importance]}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ];
  const text = `${header.join('\r\n')}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}\r\n`;
  return { from: '', to: [...uri.to, ...uri.cc, ...uri.bcc], content: Buffer.from(text, 'utf8') };
}
