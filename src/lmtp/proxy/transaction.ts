/**
 * The backends' side of one mail transaction on a Murder frontend (Cyrus's lmtpproxyd): one LMTP
 * connection per backend, opened at the first RCPT for it, MAIL FROM (with its parameters) sent
 * there before that RCPT, each RCPT answered with the backend's own reply (so unknown users and
 * over-quota come at RCPT time), and at the end of the message one DATA per backend, whose
 * per-recipient replies are handed back for the session to put in RCPT order (RFC 2033). A backend
 * that cannot be reached or fails part way answers 451 4.4.x for its recipients only. After DATA the
 * connections go back to the session's BackendPool for its next transaction; at RSET, a new LHLO and
 * when the client goes they are ended (QUIT).
 */
import type { Logger } from '../../common/index.js';
import { backendAddress, LinkTlsError, murderSettings, proxyLogin } from '../../murder/index.js';
import { formatPath } from '../commands/addresses.js';
import type { LmtpDeps } from '../deps.js';
import type { EnvelopeAddress, MailParameters, RcptParameters } from '../wire/commands.js';
import { reply, type Reply } from '../wire/replies.js';
import { LmtpBackend } from './backend.js';
import type { BackendPool } from './pool.js';

const TIMEOUT_MS = 60_000;
/** RFC 5321 section 4.5.3.2.6: the answer after the message's end may take 10 minutes. */
const DATA_TIMEOUT_MS = 10 * 60_000;

export const BACKEND_UNAVAILABLE = reply(451, '4.4.1', 'Remote server unavailable, try again later');
export const BACKEND_FAILED = reply(451, '4.4.2', 'Connection to the remote server lost, try again later');

/** One backend in the transaction: its connection (null once it failed) and its accepted recipients. */
interface BackendState {
  backend: LmtpBackend | null;
  /** DATA was answered: the backend's transaction is over and the connection can serve the next one. */
  finished?: boolean;
  /** The reply every further RCPT for this backend gets once it failed (unreachable, MAIL refused). */
  refusal: Reply | null;
  accepted: number;
}

/** RFC 3461 xtext: "+", "=" and bytes outside 33..126 as "+HH". */
function xtext(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (b < 33 || b > 126 || b === 0x2b || b === 0x3d ? `+${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b))).join('');
}

export function mailLine(sender: EnvelopeAddress | null, params: MailParameters): string {
  let line = `MAIL FROM:${formatPath(sender)}`;
  if (params.size !== null) line += ` SIZE=${params.size}`;
  if (params.body !== null) line += ` BODY=${params.body}`;
  if (params.smtputf8) line += ' SMTPUTF8';
  if (params.auth !== null) line += ` AUTH=${xtext(params.auth)}`;
  return line;
}

export function rcptLine(recipient: EnvelopeAddress, params: RcptParameters): string {
  let line = `RCPT TO:${formatPath(recipient)}`;
  if (params.ignoreQuota) line += ' IGNOREQUOTA';
  if (params.notify !== null) line += ` NOTIFY=${params.notify}`;
  if (params.originalRecipient !== null) line += ` ORCPT=${params.originalRecipient}`;
  return line;
}

export class ProxyTransaction {
  private readonly backends = new Map<string, BackendState>();
  private closed = false;

  constructor(
    private readonly deps: LmtpDeps,
    private readonly sender: EnvelopeAddress | null,
    private readonly params: MailParameters,
    private readonly log: Logger,
    private readonly pool: BackendPool | null = null,
  ) {}

  /** RCPT for a recipient whose mailbox is on `server`: the backend's answer (2xx: accepted there). */
  async rcpt(server: string, recipient: EnvelopeAddress, params: RcptParameters): Promise<Reply> {
    const state = await this.backendFor(server);
    if (state.refusal !== null || state.backend === null) return state.refusal ?? BACKEND_FAILED;
    try {
      const answer = await state.backend.command(rcptLine(recipient, params), this.params.smtputf8);
      if (answer.code >= 200 && answer.code < 300) state.accepted++;
      return answer;
    } catch (err) {
      this.fail(state, server, err, BACKEND_FAILED);
      return BACKEND_FAILED;
    }
  }

  /** The message to every backend with accepted recipients, at once: per backend, its replies in RCPT order. */
  async data(message: Buffer): Promise<Map<string, Reply[]>> {
    const out = new Map<string, Reply[]>();
    await Promise.all([...this.backends].map(async ([server, state]) => {
      if (state.accepted === 0) return;
      if (state.backend === null) return out.set(server, Array.from({ length: state.accepted }, () => BACKEND_FAILED));
      try {
        const replies = await state.backend.data(message, state.accepted);
        state.finished = true;
        this.log.info({ server, recipients: state.accepted, replies: replies.map((r) => r.code) }, 'proxied delivery');
        out.set(server, replies);
      } catch (err) {
        this.fail(state, server, err, BACKEND_FAILED);
        out.set(server, Array.from({ length: state.accepted }, () => BACKEND_FAILED));
      }
    }));
    return out;
  }

  /**
   * The transaction is over (after DATA) or dropped (RSET, LHLO, the client gone): connections whose
   * DATA was answered go back to the session's pool, every other one is ended (QUIT).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const state of this.backends.values()) {
      if (state.backend === null) continue;
      if (state.finished && this.pool !== null) this.pool.keep(state.backend);
      else state.backend.quit();
    }
    this.backends.clear();
  }

  private async backendFor(server: string): Promise<BackendState> {
    let state = this.backends.get(server);
    if (state) return state;
    state = { backend: null, refusal: null, accepted: 0 };
    this.backends.set(server, state);
    const login = proxyLogin(this.deps.config, server);
    if (login === null) {
      this.log.error({ server }, 'no proxy password for the backend (proxy_password or <server>_password)');
      state.refusal = BACKEND_UNAVAILABLE;
      return state;
    }
    const kept = this.pool?.take(server) ?? null;
    if (kept !== null) {
      // A kept connection the backend has dropped meanwhile fails its MAIL: a new one is opened.
      try {
        const mail = await kept.command(mailLine(this.sender, this.params), this.params.smtputf8);
        state.backend = kept;
        if (mail.code < 200 || mail.code >= 300) {
          this.log.info({ server, code: mail.code, text: mail.text }, 'backend refused MAIL');
          state.refusal = mail;
        }
        return state;
      } catch {
        kept.quit();
      }
    }
    const settings = murderSettings(this.deps.config, this.deps.serverName);
    const { host, port } = backendAddress(settings, server, 'lmtp');
    try {
      state.backend = await LmtpBackend.open({
        server, host, port, lhloHost: this.deps.serverName, authname: login.authname, password: login.password,
        timeoutMs: TIMEOUT_MS, dataTimeoutMs: DATA_TIMEOUT_MS, tls: settings.linkTls,
      });
      this.log.info({ server, host, port, tls: state.backend.secure }, 'backend connection opened');
    } catch (err) {
      this.fail(state, server, err, BACKEND_UNAVAILABLE);
      return state;
    }
    if (this.closed) {
      state.backend.quit();
      state.backend = null;
      state.refusal = BACKEND_FAILED;
      return state;
    }
    try {
      const mail = await state.backend.command(mailLine(this.sender, this.params), this.params.smtputf8);
      if (mail.code < 200 || mail.code >= 300) {
        this.log.info({ server, code: mail.code, text: mail.text }, 'backend refused MAIL');
        state.refusal = mail;
      }
    } catch (err) {
      this.fail(state, server, err, BACKEND_FAILED);
    }
    return state;
  }

  private fail(state: BackendState, server: string, err: unknown, answer: Reply): void {
    if (err instanceof LinkTlsError) this.log.error({ server, reason: err.message }, 'TLS to the backend failed: not used');
    else this.log.warn({ server, reason: (err as Error).message }, 'backend failed');
    state.backend?.quit();
    state.backend = null;
    state.refusal ??= answer;
  }
}
