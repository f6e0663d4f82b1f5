/**
 * LMTP replies: a basic code, an enhanced status code (RFC 3463; ENHANCEDSTATUSCODES, RFC 2034)
 * and text. Every reply the server sends comes from this table or from `reply()`, so each one
 * carries an enhanced code. No I/O here.
 */

export interface Reply {
  /** Basic reply code (RFC 5321 section 4.2). */
  readonly code: number;
  /** Enhanced status code "class.subject.detail"; null only for the 220 greeting and 334. */
  readonly status: string | null;
  readonly text: string;
}

export function reply(code: number, status: string | null, text: string): Reply {
  return { code, status, text };
}

/** One reply as wire text, CRLF included; a multi-line text becomes "250-...\r\n250 ...". */
export function formatReply(r: Reply): string {
  const lines = r.text.split('\n');
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const sep = i === lines.length - 1 ? ' ' : '-';
    out += `${r.code}${sep}${r.status ? `${r.status} ` : ''}${lines[i]}\r\n`;
  }
  return out;
}

/** Whether a reply tells the client to try again later (4xx) rather than give up (5xx). */
export function isTemporary(r: Reply): boolean {
  return r.code >= 400 && r.code < 500;
}

/** The fixed replies of the protocol (texts are ours; codes per RFC 5321, 2033, 3030, 3463, 4954). */
export const REPLIES = {
  ok: reply(250, '2.0.0', 'Ok'),
  senderOk: reply(250, '2.1.0', 'Sender ok'),
  recipientOk: reply(250, '2.1.5', 'Recipient ok'),
  delivered: reply(250, '2.1.5', 'Ok delivered'),
  duplicate: reply(250, '2.1.5', 'Ok (already delivered)'),
  discarded: reply(250, '2.1.5', 'Ok (discarded)'),
  chunkOk: reply(250, '2.0.0', 'Ok chunk received'),
  reset: reply(250, '2.0.0', 'Ok reset'),
  noop: reply(250, '2.0.0', 'Ok'),
  vrfy: reply(252, '2.5.0', 'Cannot verify the user, but will accept the message'),
  help: reply(214, '2.0.0', 'See RFC 2033: LHLO MAIL RCPT DATA BDAT RSET NOOP VRFY QUIT AUTH STARTTLS'),
  startData: reply(354, null, 'Go ahead, end with <CRLF>.<CRLF>'),
  readyTls: reply(220, '2.0.0', 'Ready to start TLS'),
  authOk: reply(235, '2.0.0', 'Authentication successful'),
  bye: reply(221, '2.0.0', 'Bye'),

  unknownCommand: reply(500, '5.5.2', 'Unrecognized command'),
  lineTooLong: reply(500, '5.5.6', 'Line too long'),
  syntax: reply(501, '5.5.4', 'Syntax error in parameters'),
  badSender: reply(501, '5.1.7', 'Bad sender address syntax'),
  badRecipient: reply(501, '5.1.3', 'Bad recipient address syntax'),
  unknownParameter: reply(555, '5.5.4', 'Parameter not recognized'),
  needLhlo: reply(503, '5.5.1', 'Say LHLO first'),
  needMail: reply(503, '5.5.1', 'Need MAIL command'),
  nestedMail: reply(503, '5.5.1', 'Nested MAIL command'),
  needRcpt: reply(503, '5.5.1', 'No valid recipients'),
  mixedDataBdat: reply(503, '5.5.1', 'DATA and BDAT cannot be mixed in one transaction'),
  alreadyTls: reply(503, '5.5.1', 'TLS already active'),
  alreadyAuthenticated: reply(503, '5.5.1', 'Already authenticated'),
  authInTransaction: reply(503, '5.5.1', 'AUTH not allowed during a mail transaction'),
  tlsUnavailable: reply(454, '4.7.0', 'TLS not available'),
  authRequired: reply(530, '5.7.0', 'Authentication required'),
  authFailed: reply(535, '5.7.8', 'Authentication credentials invalid'),
  authCancelled: reply(501, '5.7.0', 'Authentication cancelled'),
  authMechanism: reply(504, '5.5.4', 'Unrecognized authentication mechanism'),
  authTemporary: reply(454, '4.7.0', 'Temporary authentication failure'),
  encryptionRequired: reply(538, '5.7.11', 'Encryption required for this authentication mechanism'),
  tooManyRecipients: reply(452, '4.5.3', 'Too many recipients'),

  unknownUser: reply(550, '5.1.1', 'User unknown'),
  badMailboxName: reply(550, '5.1.3', 'Bad destination mailbox address'),
  noPermission: reply(550, '5.7.1', 'Permission denied'),
  overQuotaTemporary: reply(452, '4.2.2', 'Over quota'),
  overQuotaPermanent: reply(552, '5.2.2', 'Over quota'),
  tooBig: reply(552, '5.3.4', 'Message too big for system'),
  mailboxBusy: reply(450, '4.2.0', 'Mailbox busy, try again later'),
  mailboxMoving: reply(450, '4.2.0', 'Mailbox is being moved to another server, try again later'),
  temporary: reply(451, '4.3.0', 'Temporary failure, try again later'),
  internal: reply(451, '4.3.0', 'Internal error, try again later'),
  badContent: reply(554, '5.6.0', 'Message content rejected'),
  eightBitHeaders: reply(554, '5.6.0', 'Message contains 8-bit characters in headers'),
  nulInMessage: reply(554, '5.6.0', 'Message contains NUL characters'),
  emptyMessage: reply(554, '5.6.0', 'Message contains no data'),
  shuttingDown: reply(421, '4.3.2', 'Service shutting down'),
  timeout: reply(421, '4.4.2', 'Timeout, closing connection'),
  tooManyErrors: reply(421, '4.7.0', 'Too many errors, closing connection'),
} as const satisfies Record<string, Reply>;
