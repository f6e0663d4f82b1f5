/** The intake layer's one object (see index.ts). */
import { MailError } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import type { AppendItem, AppendResult } from '../mailbox/index.js';
import { prepareMessage } from './byte-rules.js';
import { deliver } from './deliver.js';
import { DeliveryBatches } from './delivery-batches.js';
import { withDefaults } from './hooks.js';
import { OpenMailboxes } from './open-mailboxes.js';
import type { AppendInput, DeliveryOutcome, DeliveryRecipient, IncomingMessage, IntakeHooks, IntakeOptions, IntakeSettings, PreparedMessage } from './types.js';

/** What maxmessagesize means when it is 0 (as imapd's literal limit). */
const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;

export function intakeSettingsFromConfig(config: ImapdConfig): IntakeSettings {
  return {
    maxMessageSize: config.bytes('maxmessagesize') || DEFAULT_MAX_MESSAGE_SIZE,
    munge8bit: config.bool('munge8bit'),
    singleInstance: true,
  };
}

export class Intake {
  readonly settings: IntakeSettings;
  private readonly hooks: IntakeHooks;
  /** Mailboxes that just received a delivery, kept open a few seconds. */
  private readonly openMailboxes: OpenMailboxes;
  private readonly batches: DeliveryBatches;

  constructor(private readonly deps: IntakeOptions) {
    this.openMailboxes = new OpenMailboxes(deps.store);
    this.batches = new DeliveryBatches(this.openMailboxes);
    this.settings = { ...intakeSettingsFromConfig(deps.config), ...deps.settings };
    this.hooks = withDefaults({
      chargeQuota: (entry, bytes, count, mode, source) => {
        const delta = { storage: bytes, messages: count };
        if (source === 'append') deps.store.quotas?.precheck(entry.name, delta, mode);
        else deps.store.quotas?.check(entry.name, delta, mode);
      },
      ...deps.hooks,
    });
  }

  /** The byte rules; MailError Limit or Invalid. */
  prepare(input: IncomingMessage): PreparedMessage {
    return prepareMessage(input, this.settings);
  }

  /** APPEND / MULTIAPPEND into an existing mailbox: every message or none. */
  async append(mailboxName: string, inputs: readonly AppendInput[], opts: { userid?: string | null; claimRecent?: boolean } = {}): Promise<AppendResult> {
    const entry = this.deps.store.lookup(mailboxName);
    if (!entry) throw new MailError('NotFound', `no mailbox ${mailboxName}`);
    const items: AppendItem[] = inputs.map((input) => {
      const item: AppendItem = { content: this.prepare(input).content, flags: input.flags ?? [] };
      if (input.internalDate) item.internalDate = input.internalDate;
      if (input.annotations) item.annotations = input.annotations;
      return item;
    });
    this.hooks.chargeQuota(entry, items.reduce((sum, item) => sum + item.content!.length, 0), items.length, 'strict', 'append');
    // Kept open a few seconds as after a delivery: a MULTIAPPEND fill sends one command after
    // another, and closing the index after each (a WAL checkpoint, with its fsyncs) costs more than
    // storing the messages.
    const mailbox = this.openMailboxes.open(entry);
    try {
      return await mailbox.append(items, { userid: opts.userid ?? null, claimRecent: opts.claimRecent === true });
    } catch (err) {
      if (err instanceof MailError && err.kind === 'NotFound') this.openMailboxes.drop(entry.name);
      throw err;
    } finally {
      mailbox.close();
    }
  }

  /** One prepared message into several mailboxes; one outcome per recipient, in order. */
  deliver(message: PreparedMessage, recipients: readonly DeliveryRecipient[]): Promise<DeliveryOutcome[]> {
    return deliver(this.deps, this.settings, this.hooks, this.batches, message, recipients);
  }

  /** Close the mailboxes kept open after deliveries (before the store closes). */
  close(): void {
    this.openMailboxes.closeAll();
  }
}
