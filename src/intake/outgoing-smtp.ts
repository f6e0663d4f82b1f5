/**
 * Handing a message to the MTA by an SMTP dialogue with `sendmail -bs` (as Cyrus 3.6 sends all its
 * mail), for a message that carries SMTP parameters the command line cannot: a Sieve redirect's
 * DSN request (NOTIFY, RET: RFC 3461) and deliver-by time (BY: RFC 2852). `sendmail -bs` is the
 * one form every MTA's sendmail shares (Postfix, Sendmail and Exim), whereas the flags for DSN mean
 * other things to some of them and no sendmail has one for BY. A parameter goes out only when the
 * EHLO reply lists its extension (DSN, DELIVERBY), as Cyrus does; one that cannot is reported to
 * the caller, which logs it.
 */
import { spawn } from 'node:child_process';
import { MailError } from '../common/index.js';
import type { OutgoingMail } from './outgoing.js';

/** What sendSmtp did with the parameters it was given. */
export interface SmtpSendReport {
  /** The parameters left out because the MTA does not offer their extension ("NOTIFY", "RET", "BY"). */
  dropped: string[];
}

interface Reply {
  code: number;
  lines: string[];
}

/** Reads SMTP replies (one or more "NNN-" lines, a last "NNN " line) from a byte stream. */
class ReplyReader {
  private buffer = '';
  private lines: string[] = [];
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null;
  private ended: Error | null = null;

  push(chunk: Buffer): void {
    this.buffer += chunk.toString('latin1');
    this.drain();
  }

  end(err: Error): void {
    this.ended = err;
    this.waiting?.reject(err);
    this.waiting = null;
  }

  next(): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.drain();
      if (this.waiting !== null && this.ended !== null) {
        this.waiting = null;
        reject(this.ended);
      }
    });
  }

  private drain(): void {
    for (;;) {
      if (this.waiting === null) return;
      const eol = this.buffer.indexOf('\n');
      if (eol < 0) return;
      const line = this.buffer.slice(0, eol).replace(/\r$/, '');
      this.buffer = this.buffer.slice(eol + 1);
      this.lines.push(line);
      if (!/^\d{3}-/.test(line)) {
        const reply = { code: /^\d{3}/.test(line) ? Number(line.slice(0, 3)) : 0, lines: this.lines.map((l) => l.slice(4)) };
        this.lines = [];
        const w = this.waiting;
        this.waiting = null;
        w.resolve(reply);
      }
    }
  }
}

/** The message as DATA carries it: CRLF line ends, lines starting with "." doubled, and the final ".". */
export function dataBlock(content: Buffer): Buffer {
  const text = content.toString('latin1').replace(/\r?\n/g, '\r\n');
  const stuffed = text.replace(/^\./gm, '..');
  return Buffer.from(`${stuffed}${stuffed.endsWith('\r\n') || stuffed === '' ? '' : '\r\n'}.\r\n`, 'latin1');
}

/**
 * Send `mail` by `sendmail -bs`: EHLO, MAIL FROM (RET, BY), RCPT TO (NOTIFY) for each recipient,
 * DATA, QUIT. Rejects with MailError Temp when the program cannot be run, refuses a step, or takes
 * longer than `timeoutMs`.
 */
export function sendSmtp(sendmail: string, mail: OutgoingMail, timeoutMs: number): Promise<SmtpSendReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(sendmail, ['-bs'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const replies = new ReplyReader();
    let stderr = '';
    let settled = false;
    const finish = (err: MailError | null, report?: SmtpSendReport): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err !== null) {
        child.kill('SIGKILL');
        reject(err);
      } else {
        resolve(report!);
      }
    };
    const timer = setTimeout(() => finish(new MailError('Temp', `${sendmail} -bs took longer than ${timeoutMs / 1000} s`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => replies.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 1000) stderr += chunk.toString('utf8');
    });
    child.on('error', (err) => finish(new MailError('Temp', `cannot run ${sendmail}: ${err.message}`)));
    child.on('close', (code) => replies.end(new Error(`${sendmail} -bs ended (exit code ${code})${stderr ? `: ${stderr.trim().slice(0, 200)}` : ''}`)));
    child.stdin!.on('error', () => undefined); // a program that exits early: the replies say why

    const write = (text: string | Buffer): void => {
      child.stdin!.write(text);
    };
    const expect = async (what: string, ok: (code: number) => boolean): Promise<Reply> => {
      const reply = await replies.next();
      if (!ok(reply.code)) throw new MailError('Temp', `${sendmail} -bs refused ${what}: ${reply.code} ${reply.lines.join(' ').slice(0, 200)}`);
      return reply;
    };
    const dialogue = async (): Promise<SmtpSendReport> => {
      await expect('the session', (c) => c === 220);
      write('EHLO localhost\r\n');
      const ehlo = await expect('EHLO', (c) => c === 250);
      const offered = new Set(ehlo.lines.slice(1).map((l) => l.split(' ')[0]!.toUpperCase()));
      const dropped: string[] = [];
      const param = (extension: string, name: string, value: string | null | undefined): string => {
        if (value === null || value === undefined) return '';
        if (offered.has(extension)) return ` ${name}=${value}`;
        dropped.push(name);
        return '';
      };
      const by = mail.deliverBy === undefined ? null : `${mail.deliverBy.seconds};${mail.deliverBy.mode}${mail.deliverBy.trace ? 'T' : ''}`;
      write(`MAIL FROM:<${mail.from}>${param('DSN', 'RET', mail.dsn?.ret)}${param('DELIVERBY', 'BY', by)}\r\n`);
      await expect('MAIL FROM', (c) => c === 250);
      for (const to of mail.to) {
        const notify = param('DSN', 'NOTIFY', mail.dsn?.notify);
        write(`RCPT TO:<${to}>${notify}\r\n`);
        await expect(`RCPT TO:<${to}>`, (c) => c === 250 || c === 251);
      }
      write('DATA\r\n');
      await expect('DATA', (c) => c === 354);
      write(dataBlock(mail.content));
      await expect('the message', (c) => c === 250);
      write('QUIT\r\n');
      child.stdin!.end();
      return { dropped: [...new Set(dropped)] };
    };
    dialogue().then((report) => finish(null, report), (err: unknown) => {
      finish(err instanceof MailError ? err : new MailError('Temp', err instanceof Error ? err.message : String(err)));
    });
  });
}
