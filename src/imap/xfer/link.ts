/**
 * The source backend's connection to the target for one XFER: the target's IMAP service, logged
 * in as proxy_authname acting as itself (the target lists it in proxyservers, as it does for the
 * frontends), then XFERRECV steps one at a time, each with a time limit. A NO or BAD from the
 * target is XferRefused (it said what it did not do); a connection that fails or stays silent is
 * BackendUnavailable (what it did is not known).
 */
import type { Logger } from '../../common/index.js';
import { backendAddress, murderSettings, proxyLogin } from '../../murder/index.js';
import type { ImapdConfig } from '../../config/index.js';
import { BackendConnection, BackendUnavailable, type CommandPiece, type TaggedResponse } from '../proxy/backend.js';
import { quoted } from '../proxy/mirror.js';

/** The target answered NO or BAD. */
export class XferRefused extends Error {
  constructor(readonly status: 'NO' | 'BAD', readonly code: string | null, text: string) {
    super(text);
    this.name = 'XferRefused';
  }
}

/** How long one step may take at most (a PUT writes one batch; a COMMIT syncs every file). */
const STEP_TIMEOUT_MS = 120_000;
const COMMIT_TIMEOUT_MS = 30 * 60_000;

export class XferLink {
  private constructor(private readonly connection: BackendConnection, readonly target: string) {}

  /** Connect and log in; BackendUnavailable when the target cannot be reached or refuses the login. */
  static async open(config: ImapdConfig, servername: string, target: string, log: Logger): Promise<XferLink> {
    const login = proxyLogin(config, target);
    if (login === null) throw new BackendUnavailable(`no password to log in to ${target} (proxy_password or ${target}_password)`);
    const settings = murderSettings(config, servername);
    const address = backendAddress(settings, target, 'imap');
    const connection = await BackendConnection.open(target, address, { ...login, userid: '' }, log, settings.linkTls);
    return new XferLink(connection, target);
  }

  get closed(): boolean {
    return this.connection.isClosed;
  }

  close(): void {
    this.connection.close();
  }

  private async step(xferId: string, words: string, literal: Buffer | null, binary: boolean, timeoutMs = STEP_TIMEOUT_MS): Promise<TaggedResponse> {
    const pieces: CommandPiece[] = [{ kind: 'text', bytes: Buffer.from(`XFERRECV ${xferId} ${words}`, 'utf8') }];
    if (literal !== null) pieces.push({ kind: 'text', bytes: Buffer.from(' ') }, { kind: 'literal', bytes: literal, binary });
    let timer: NodeJS.Timeout | null = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.connection.close();
        reject(new BackendUnavailable(`${this.target} did not answer in time`));
      }, timeoutMs);
    });
    try {
      const answer = await Promise.race([this.connection.command(pieces, { onUntagged: () => undefined }), timeout]);
      if (answer.status !== 'OK') throw new XferRefused(answer.status, answer.code, answer.text);
      return answer;
    } finally {
      if (timer !== null) clearTimeout(timer);
    }
  }

  mailbox(xferId: string, name: string, uniqueId: string, partition: string | null, sourcePartition: string): Promise<TaggedResponse> {
    return this.step(xferId, `MAILBOX ${quoted(name)} ${quoted(uniqueId)} ${partition === null ? 'NIL' : quoted(partition)} ${quoted(sourcePartition)}`, null, false);
  }

  put(xferId: string, name: string, pieces: ReadonlyArray<{ file: string; offset: number; data: Buffer }>): Promise<TaggedResponse> {
    const spans = pieces.map((p) => `${quoted(p.file)} ${p.offset} ${p.data.length}`).join(' ');
    return this.step(xferId, `PUT ${quoted(name)} (${spans})`, Buffer.concat(pieces.map((p) => p.data)), true);
  }

  state(xferId: string, name: string, state: unknown): Promise<TaggedResponse> {
    return this.step(xferId, `STATE ${quoted(name)}`, Buffer.from(JSON.stringify(state), 'utf8'), false);
  }

  user(xferId: string, userid: string, state: unknown): Promise<TaggedResponse> {
    return this.step(xferId, `USER ${quoted(userid)}`, Buffer.from(JSON.stringify(state), 'utf8'), false);
  }

  commit(xferId: string): Promise<TaggedResponse> {
    return this.step(xferId, 'COMMIT', null, false, COMMIT_TIMEOUT_MS);
  }

  /** How the move ended there: committed, or aborted (recorded so, if it was not committed). */
  async outcome(xferId: string): Promise<'committed' | 'aborted'> {
    const answer = await this.step(xferId, 'ABORT', null, false);
    const code = (answer.code ?? '').toUpperCase();
    if (code === 'XFER COMMITTED') return 'committed';
    if (code === 'XFER ABORTED') return 'aborted';
    throw new XferRefused('BAD', null, `unexpected answer to ABORT: ${answer.code ?? ''} ${answer.text}`);
  }
}
