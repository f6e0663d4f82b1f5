/**
 * What the QUOTA commands share: a quota root as the client names it (the external form of its
 * internal name, "INBOX" for the user's own), its QUOTA response, and who may read or set it.
 */
import type { Identity } from '../../../auth/index.js';
import { domainOfName, isOwnedBy } from '../../../names/index.js';
import type { QuotaRoot } from '../../../store/index.js';
import { quotaResponse, type QuotaResourceLine } from '../../wire/serialize/quota.js';
import type { CommandContext } from '../types.js';

/** The root's name for this client (its internal name when the client may not see it as a mailbox). */
export function externalRoot(ctx: CommandContext, root: string): string {
  return ctx.toExternal(root) ?? root;
}

/** `* QUOTA` for a root: the resources that have a limit, STORAGE usage in KiB (rounded down). */
export function renderQuota(ctx: CommandContext, quota: QuotaRoot): string {
  const lines: QuotaResourceLine[] = [];
  const { limits, usage } = quota;
  if (limits.STORAGE !== null) lines.push(['STORAGE', Math.floor(usage.storage / 1024), limits.STORAGE]);
  if (limits.MESSAGE !== null) lines.push(['MESSAGE', usage.messages, limits.MESSAGE]);
  if (limits.MAILBOX !== null) lines.push(['MAILBOX', usage.mailboxes, limits.MAILBOX]);
  return quotaResponse(externalRoot(ctx, quota.root), lines);
}

/** An administrator of the root: a global one, or a domain administrator within its domain. */
export function administers(identity: Identity, root: string): boolean {
  if (!identity.isAdmin) return false;
  return !identity.isDomainAdmin || domainOfName(root) === identity.domain;
}

/** Who may read a root's limits: its administrators and the user whose hierarchy it is in. */
export function mayReadQuota(identity: Identity, root: string): boolean {
  return administers(identity, root) || (!identity.isAnonymous && isOwnedBy(root, identity.userid));
}
