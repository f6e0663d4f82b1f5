/**
 * One LMTP connection from a Murder frontend to a backend, for one mail transaction (as Cyrus's
 * lmtpproxyd keeps them): greeting, LHLO, AUTH PLAIN as proxy_authname (no authorization id: the
 * backend's lmtpd requires AUTH on TCP unless it trusts the address), then the client's MAIL,
 * RCPT and DATA, each answer read back as a Reply. STARTTLS after LHLO when murder_tls says so
 * (link-tls.ts), then LHLO again, as RFC 3207 asks.
 */
import { BackendError, BackendLink, LinkTlsError, saslPlain, wantStartTls, type LinkTls } from '../../murder/index.js';
import { reply, type Reply } from '../wire/replies.js';
import { dotStuff } from './dot-stuff.js';

export interface LmtpBackendOptions {
  server: string;
  host: string;
  port: number;
  /** LHLO host name: this server's name. */
  lhloHost: string;
  authname: string;
  password: string;
  /** Connecting and each command's answer (ms). */
  timeoutMs: number;
  /** The per-recipient answers after the message's end (ms). */
  dataTimeoutMs: number;
  /** STARTTLS before AUTH (MurderSettings.linkTls); none: plain. */
  tls?: LinkTls;
}

/** "250-..." lines then "250 ..." as one Reply: code, enhanced status of the last line when given, the texts joined by "\n". */
async function readReply(link: BackendLink, timeoutMs: number): Promise<Reply> {
  const texts: string[] = [];
  let status: string | null = null;
  for (;;) {
    const line = await link.readLine(timeoutMs);
    const code = /^(\d{3})([ -]?)(.*)$/.exec(line);
    if (!code) throw new BackendError('closed', `backend sent a malformed reply: ${line.slice(0, 100)}`);
    let text = code[3]!;
    const enhanced = /^([245]\.\d{1,3}\.\d{1,3}) (.*)$/.exec(text);
    if (enhanced) {
      status = enhanced[1]!;
      text = enhanced[2]!;
    }
    texts.push(text);
    if (code[2] !== '-') return reply(Number(code[1]), status, texts.join('\n'));
  }
}

const isPositive = (r: Reply): boolean => r.code >= 200 && r.code < 300;

export class LmtpBackend {
  private constructor(
    readonly server: string,
    private readonly link: BackendLink,
    private readonly options: LmtpBackendOptions,
  ) {}

  /** Connect and authenticate; BackendError when the backend is down, says no, or is silent. */
  static async open(options: LmtpBackendOptions): Promise<LmtpBackend> {
    const link = await BackendLink.open({ host: options.host, port: options.port, timeoutMs: options.timeoutMs });
    const backend = new LmtpBackend(options.server, link, options);
    try {
      const greeting = await readReply(link, options.timeoutMs);
      if (greeting.code !== 220) throw new BackendError('closed', `backend greeting: ${greeting.code} ${greeting.text}`);
      let lhlo = await backend.command(`LHLO ${options.lhloHost}`);
      if (!isPositive(lhlo)) throw new BackendError('closed', `backend LHLO: ${lhlo.code} ${lhlo.text}`);
      const offered = lhlo.text.split('\n').some((l) => l.trim().toUpperCase() === 'STARTTLS');
      if (options.tls && wantStartTls(options.tls, offered, `backend ${options.server}`)) {
        const go = await backend.command('STARTTLS');
        if (go.code !== 220) throw new LinkTlsError(`backend ${options.server} refused STARTTLS: ${go.code} ${go.text}`);
        await link.startTls(options.tls, options.host);
        lhlo = await backend.command(`LHLO ${options.lhloHost}`);
        if (!isPositive(lhlo)) throw new BackendError('closed', `backend LHLO: ${lhlo.code} ${lhlo.text}`);
      }
      const auth = await backend.command(`AUTH PLAIN ${saslPlain('', options.authname, options.password)}`);
      if (auth.code !== 235) throw new BackendError('closed', `backend refused the proxy login: ${auth.code} ${auth.text}`);
      return backend;
    } catch (err) {
      link.close();
      throw err;
    }
  }

  /** Send one command line (latin1, or UTF-8 under SMTPUTF8) and read its reply. */
  async command(line: string, utf8 = false): Promise<Reply> {
    this.link.write(Buffer.from(`${line}\r\n`, utf8 ? 'utf8' : 'latin1'));
    return readReply(this.link, this.options.timeoutMs);
  }

  /**
   * DATA: the message (dot-stuffed here), then one reply per recipient the backend accepted, in
   * its RCPT order. A refused DATA answers every recipient with that refusal.
   */
  async data(message: Buffer, recipients: number): Promise<Reply[]> {
    const go = await this.command('DATA');
    if (go.code !== 354) {
      // The transaction is left as it was: reset it, so the connection can serve the next one.
      await this.command('RSET');
      return Array.from({ length: recipients }, () => go);
    }
    this.link.write(dotStuff(message));
    const replies: Reply[] = [];
    for (let i = 0; i < recipients; i++) replies.push(await readReply(this.link, this.options.dataTimeoutMs));
    return replies;
  }

  /** Whether the connection runs over TLS. */
  get secure(): boolean {
    return this.link.secure;
  }

  /** Whether the connection is still up (a kept one may have been closed by the backend meanwhile). */
  get open(): boolean {
    return !this.link.closed;
  }

  /** End the connection politely (QUIT, not waited for) and close it. */
  quit(): void {
    if (!this.link.closed) this.link.write('QUIT\r\n');
    this.link.close();
  }
}
