/**
 * The parsed shape of a message, computed once at append and kept in the mailbox cache,
 * so FETCH ENVELOPE, BODYSTRUCTURE and BODY[section] never re-parse the message file.
 * Strings are the raw header text (unfolded, encoded-words left as they are), as IMAP sends them,
 * in byte-escaped form (rawText.ts): UTF-8 where well-formed, any other 8-bit byte as U+DC00 + byte,
 * so encodeHeaderText() gives back the exact bytes of the message.
 */

export interface Address {
  /** Display name (phrase), raw; null when absent. */
  name: string | null;
  /** Source route; almost always null. */
  adl: string | null;
  /** Local part, or the group name for a group start; null for a group end. */
  mailbox: string | null;
  /** Domain; null for group start and end markers (RFC 3501 section 7.4.2). */
  host: string | null;
}

export interface Envelope {
  date: string | null;
  subject: string | null;
  from: Address[] | null;
  sender: Address[] | null;
  replyTo: Address[] | null;
  to: Address[] | null;
  cc: Address[] | null;
  bcc: Address[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

/** A parameter list such as ("CHARSET" "us-ascii"); order kept as in the message. */
export type BodyParams = Array<[string, string]> | null;

export interface Disposition {
  type: string;
  params: BodyParams;
}

/** Byte offsets into the stored (CRLF-normalised) message file. */
export interface PartRange {
  /** First byte of this part's header (for a message/rfc822 child: of the embedded message). */
  headerStart: number;
  /** First byte of the body (just after the blank line ending the header). */
  bodyStart: number;
  /** One past the last byte of the body. */
  bodyEnd: number;
}

export interface BodyPart {
  /** MIME type and subtype, as written in the message (case kept) or the default TEXT/PLAIN. */
  type: string;
  subtype: string;
  params: BodyParams;
  id: string | null;
  description: string | null;
  /** Content-Transfer-Encoding, default "7BIT". */
  encoding: string;
  /** Body size in bytes (bodyEnd - bodyStart). */
  size: number;
  /** Lines in the body, for TEXT/* and MESSAGE/RFC822. */
  lines?: number;
  md5: string | null;
  disposition: Disposition | null;
  language: string[] | null;
  location: string | null;
  /** For MESSAGE/RFC822 (and global): the embedded message's envelope and body. */
  envelope?: Envelope;
  body?: BodyPart;
  /** For MULTIPART/*: the children (never empty: a multipart with no parts gets one empty TEXT/PLAIN). */
  parts?: BodyPart[];
  range: PartRange;
}

/** What the cache keeps per message. */
export interface MessageSummary {
  envelope: Envelope;
  body: BodyPart;
  /** The whole header block as byte-escaped text (lossless), so HEADER.FIELDS never reads the file. */
  header: string;
  /** Size of the stored message in bytes. */
  size: number;
}
