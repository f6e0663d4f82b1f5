/**
 * Where an LMTP session is (RFC 2033 / 5321 section 4.1.4): before LHLO, between transactions,
 * or inside a mail transaction, whose envelope exists only there.
 */
import type { Identity } from '../../auth/index.js';
import type { ProxyTransaction } from '../proxy/transaction.js';
import type { ResolvedRecipient } from '../../recipients/index.js';
import type { ChunkCollector } from '../wire/data.js';
import type { EnvelopeAddress, MailParameters, RcptParameters } from '../wire/commands.js';

/** A recipient whose mailbox is here. */
export interface LocalRecipient {
  readonly kind: 'local';
  readonly resolved: ResolvedRecipient;
  readonly params: RcptParameters;
}

/** Murder frontend: a recipient the backend `server` accepted at RCPT (src/lmtp/proxy). */
export interface RemoteRecipient {
  readonly kind: 'remote';
  readonly server: string;
  readonly address: string;
  readonly params: RcptParameters;
}

export type AcceptedRecipient = LocalRecipient | RemoteRecipient;

export interface Envelope {
  /** MAIL FROM; null for the null reverse-path "<>". */
  readonly sender: EnvelopeAddress | null;
  readonly params: MailParameters;
  /** Whose rights decide +detail and shared delivery (the AUTH identity, MAIL AUTH=, or anonymous). */
  readonly poster: Identity;
  readonly recipients: AcceptedRecipient[];
  /** BDAT chunks so far (CHUNKING); null until the first BDAT. */
  chunks: ChunkCollector | null;
  /** Murder frontend: the backends' side of this transaction, from the first remote RCPT; null before. */
  proxy: ProxyTransaction | null;
}

export type SessionState =
  | { readonly kind: 'greeted' }
  | { readonly kind: 'ready' }
  | { readonly kind: 'transaction'; readonly envelope: Envelope };
