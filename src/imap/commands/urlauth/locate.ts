/**
 * The message or part an IMAP URL names, read from its mailbox for CATENATE and URLFETCH: the
 * UIDVALIDITY must match when given, the UID must exist, a section must exist. Reading never
 * sets \Seen (RFC 4469 section 3). Every refusal is an UrlError (BADURL or NIL for the caller).
 */
import type { Mailbox } from '../../../mailbox/index.js';
import {
  applyPartial, binarySection, findPart, formatBodyStructure, parseSection, sectionBytes, type BodySection, type MessageSummary,
} from '../../../message/index.js';
import type { MailStore } from '../../../store/index.js';
import { UrlError, type ImapUrl } from '../../wire/parse/url.js';

/** One message a URL names, open for reading. */
export interface UrlMessage {
  readonly url: ImapUrl;
  readonly mailbox: Mailbox;
  readonly summary: MessageSummary;
  readonly section: BodySection;
}

function urlSection(url: ImapUrl): BodySection {
  if (url.section === null) return { path: [] };
  try {
    return parseSection(url.section);
  } catch {
    throw new UrlError('Invalid SECTION');
  }
}

/**
 * Run `use` on the message `url` names in mailbox `name` (an internal name whose rights the
 * caller checked). The mailbox is closed afterwards.
 */
export async function withUrlMessage<T>(store: MailStore, name: string, url: ImapUrl, use: (message: UrlMessage) => Promise<T>): Promise<T> {
  const section = urlSection(url);
  const mailbox = store.openMailbox(name);
  try {
    if (url.uidValidity !== null && url.uidValidity !== mailbox.status().uidValidity) throw new UrlError('UIDVALIDITY of the mailbox has changed');
    if (mailbox.records([url.uid]).length === 0) throw new UrlError('No such message');
    const summary = mailbox.summary(url.uid);
    if (summary === null) throw new UrlError('No such message');
    if (section.path.length > 0 && findPart(summary.body, section.path) === null) throw new UrlError('No such body part');
    return await use({ url, mailbox, summary, section });
  } finally {
    mailbox.close();
  }
}

function partial(url: ImapUrl, bytes: Buffer): Buffer {
  return url.partial === null ? bytes : applyPartial(bytes, url.partial.offset, url.partial.length ?? undefined);
}

/** The bytes as stored (BODY[section] with the URL's partial): CATENATE, URLFETCH and its BODY. */
export async function urlBody(message: UrlMessage): Promise<Buffer> {
  const whole = await message.mailbox.readMessage(message.url.uid);
  return partial(message.url, sectionBytes(message.summary, message.section, whole));
}

/**
 * The part with its Content-Transfer-Encoding removed (URLFETCH BINARY, RFC 5524); null when it
 * cannot be decoded. Header sections are the same as BODY.
 */
export async function urlBinary(message: UrlMessage): Promise<Buffer | null> {
  if (message.section.text !== undefined) return urlBody(message);
  const whole = await message.mailbox.readMessage(message.url.uid);
  try {
    return partial(message.url, binarySection(message.summary, message.section.path, whole));
  } catch {
    return null;
  }
}

/**
 * The (extensible) BODYSTRUCTURE of the part the URL names (RFC 5524 BODYPARTSTRUCTURE). With
 * `decoded` (BINARY asked too) a leaf part is described as sent: encoding BINARY, decoded size.
 */
export function urlBodyPartStructure(message: UrlMessage, decoded: Buffer | null = null): string | null {
  if (message.section.text !== undefined && message.section.text !== 'TEXT') return null;
  const path = message.section.path;
  let part = path.length === 0 ? message.summary.body : findPart(message.summary.body, path);
  // TEXT of the message is its body; TEXT of a MESSAGE/RFC822 part is the encapsulated body.
  if (part !== null && path.length > 0 && message.section.text === 'TEXT') part = part.body ?? null;
  if (part === null) return null;
  const leaf = part.parts === undefined && part.body === undefined && message.section.text === undefined;
  return formatBodyStructure(leaf && decoded !== null ? { ...part, encoding: 'BINARY', size: decoded.length } : part, true);
}
