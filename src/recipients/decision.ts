/**
 * The one decision whether a recipient is deliverable here, made the same for LMTP RCPT and for
 * smmapd's lookups: where the mirror puts the mailbox (a Murder frontend sends it on), which mailbox
 * the address names (resolver.ts: +detail with the p right else the INBOX, shared folders, virtual
 * domains, autocreate_post, the catch-all), and whether its quota root can take the message.
 * Refusals are MailErrors (NotFound, NoPerm, BadName, OverQuota); each protocol maps them.
 */
import type { Accounts } from '../accounts/index.js';
import type { RightsChecker } from '../acl/index.js';
import type { Identity } from '../auth/index.js';
import type { Logger } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import type { MailStore } from '../store/index.js';
import { storeQuota, type RecipientQuota } from './quota.js';
import { RecipientResolver, recipientSettingsFromConfig, type ResolvedRecipient } from './resolver.js';
import type { RecipientAddress, RecipientIntent } from './types.js';

export interface RecipientsOptions {
  config: ImapdConfig;
  store: MailStore;
  accounts: Accounts;
  rights: RightsChecker;
  /** The identity of a userid in this service (admins never get an INBOX by first contact). */
  identityOf: (userid: string) => Identity;
  logger: Logger;
  /** The quota answers (default: the store's quotas.db). */
  quota?: RecipientQuota;
}

export interface RecipientQuery {
  readonly intent: RecipientIntent;
  /** The size the client announced (MAIL SIZE=); 0 when unknown (still refused by a root already over). */
  readonly size?: number;
  /** RCPT ... IGNOREQUOTA: no quota check. */
  readonly ignoreQuota?: boolean;
}

export type RecipientVerdict =
  /** The message can go into this mailbox here. */
  | { readonly kind: 'local'; readonly recipient: ResolvedRecipient }
  /** A lookup only: the user's INBOX does not exist yet and delivery would create it (autocreate_post). */
  | { readonly kind: 'new-inbox'; readonly address: string; readonly userid: string }
  /** Murder frontend: the mirror puts the mailbox on backend `server`, which has the last word (rights, quota). */
  | { readonly kind: 'remote'; readonly server: string };

export class Recipients {
  constructor(
    private readonly resolver: RecipientResolver,
    private readonly quota: RecipientQuota,
    /** lmtp_strict_quota. */
    private readonly strictQuota: boolean,
  ) {}

  /** The decision on this process's store, with first contact (autocreate_post) through `accounts`. */
  static create(options: RecipientsOptions): Recipients {
    const { config, store, accounts, identityOf, logger } = options;
    const settings = recipientSettingsFromConfig(config);
    const resolver = new RecipientResolver(config, settings, store, options.rights, {
      async create(userid) {
        const contact = accounts.firstContact(identityOf(userid));
        if (contact.kind === 'created') logger.info({ userid, inbox: contact.inbox }, 'INBOX created on delivery');
        return contact.kind === 'created' || (contact.kind === 'skipped' && contact.reason === 'exists');
      },
      wouldCreate: (userid) => accounts.wouldCreateInbox(identityOf(userid)),
    });
    return new Recipients(resolver, options.quota ?? storeQuota(store), settings.strictQuota);
  }

  /** Decide one recipient for `poster` (whose p right counts on +detail folders and shared mailboxes). */
  async decide(address: RecipientAddress, poster: Identity, query: RecipientQuery): Promise<RecipientVerdict> {
    const server = this.resolver.remoteServer(address);
    if (server !== null) return { kind: 'remote', server };
    const found = await this.resolver.resolve(address, poster, query.intent);
    if (found.mailbox === null) return { kind: 'new-inbox', address: found.address, userid: found.userid };
    if (!query.ignoreQuota) this.quota.check(found.mailbox, query.size ?? 0, { strict: this.strictQuota });
    return { kind: 'local', recipient: found };
  }
}
