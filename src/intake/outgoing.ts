/**
 * Mail the server itself sends: Sieve's redirect and vacation replies, handed to the local MTA by
 * running the `sendmail` program (imapd.conf `sendmail`, as Cyrus does) with the envelope on its
 * command line and the message on its standard input; a message with DSN or deliver-by parameters
 * (a redirect under redirect-dsn / redirect-deliverby) goes by an SMTP dialogue with `sendmail -bs`
 * instead (outgoing-smtp.ts). The caller decides what to send; this only runs the program and says
 * whether it took the message.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { MailError } from '../common/index.js';
import { sendSmtp, type SmtpSendReport } from './outgoing-smtp.js';

/** How long the MTA's sendmail may take before the message counts as not sent. */
const SENDMAIL_TIMEOUT_MS = 30_000;

export interface OutgoingMail {
  /** Envelope sender; "" for the null reverse-path (vacation replies, RFC 5230 5.1 says so). */
  from: string;
  /** Envelope recipients. */
  to: readonly string[];
  /** The whole message, CRLF line ends. */
  content: Buffer;
  /** DSN request (RFC 3461): RCPT NOTIFY and MAIL RET; null members leave them to the MTA. */
  dsn?: { notify: string | null; ret: string | null };
  /** Deliver-by (RFC 2852): MAIL BY=seconds;mode[T]. */
  deliverBy?: { seconds: number; mode: 'N' | 'R'; trace: boolean };
}

/**
 * Send `mail` with the `sendmail` program: by its command line, or by `sendmail -bs` when the mail
 * carries DSN or deliver-by parameters. The report names the parameters the MTA did not take.
 */
export async function sendMailWith(sendmail: string, mail: OutgoingMail): Promise<SmtpSendReport> {
  if (mail.dsn === undefined && mail.deliverBy === undefined) {
    await sendMail(sendmail, mail);
    return { dropped: [] };
  }
  return sendSmtp(sendmail, mail, SENDMAIL_TIMEOUT_MS);
}

/**
 * Run `sendmail -i -f FROM -- TO...` with the message on stdin (LF line ends, as the program
 * expects from a local submitter). Rejects with MailError Temp when it cannot be started, fails,
 * or takes longer than SENDMAIL_TIMEOUT_MS.
 */
export function sendMail(sendmail: string, mail: OutgoingMail): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-i', '-f', mail.from === '' ? '<>' : mail.from, '--', ...mail.to];
    const child = spawn(sendmail, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    let settled = false;
    const finish = (err: MailError | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new MailError('Temp', `${sendmail} took longer than ${SENDMAIL_TIMEOUT_MS / 1000} s`));
    }, SENDMAIL_TIMEOUT_MS);
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 1000) stderr += chunk.toString('utf8');
    });
    child.on('error', (err) => finish(new MailError('Temp', `cannot run ${sendmail}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) finish(null);
      else finish(new MailError('Temp', `${sendmail} ended with ${signal ?? `exit code ${code}`}${stderr ? `: ${stderr.trim().slice(0, 200)}` : ''}`));
    });
    child.stdin!.on('error', () => undefined); // a program that exits early: its exit code says why
    child.stdin!.end(Buffer.from(mail.content.toString('latin1').replace(/\r\n/g, '\n'), 'latin1'));
  });
}

/** A Message-ID for a message this server writes. */
export function newMessageId(serverName: string): string {
  return `<cyrusts-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}@${serverName}>`;
}
