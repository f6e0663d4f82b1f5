/**
 * SETQUOTA (RFC 9208 section 4.1): set a quota root's limits, creating the root (it takes over
 * the charges of the mailboxes below it); resources left out lose their limit; an empty list
 * removes the root. Administrators only (a domain administrator within its domain).
 */
import { isMailError } from '../../../common/index.js';
import type { QuotaLimits, QuotaResource } from '../../../store/index.js';
import { AUTHENTICATED } from '../../session/state.js';
import type { QuotaSetting } from '../../wire/parse/types.js';
import { always, CommandFailure, defineCommand } from '../types.js';
import { administers, renderQuota } from './access.js';

/** Resource names as clients send them; X-NUM-FOLDERS is Cyrus's name for MAILBOX. */
const RESOURCE_NAMES: ReadonlyMap<string, QuotaResource> = new Map([
  ['STORAGE', 'STORAGE'],
  ['MESSAGE', 'MESSAGE'],
  ['MAILBOX', 'MAILBOX'],
  ['X-NUM-FOLDERS', 'MAILBOX'],
]);

/** The limits a SETQUOTA list asks for; null for an empty list (remove the root). */
function limitsOf(settings: readonly QuotaSetting[]): QuotaLimits | null {
  if (settings.length === 0) return null;
  const limits: QuotaLimits = { STORAGE: null, MESSAGE: null, MAILBOX: null };
  for (const { resource, limit } of settings) {
    const known = RESOURCE_NAMES.get(resource);
    if (!known) throw new CommandFailure('NO', null, `Unsupported quota resource ${resource}`);
    limits[known] = limit;
  }
  return limits;
}

export const setQuotaCommand = defineCommand({
  name: 'SETQUOTA',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const root = ctx.toInternal(command.root);
    if (!administers(ctx.identity(), root)) throw new CommandFailure('NO', 'NOPERM', 'Permission denied');
    const limits = limitsOf(command.limits);
    try {
      ctx.deps.store.setQuota(root, limits);
    } catch (err) {
      // Removing a root that is not there leaves what was asked for.
      if (!(limits === null && isMailError(err, 'NotFound'))) throw err;
    }
    const quota = limits === null ? null : ctx.deps.store.quotas.get(root);
    if (quota) ctx.out.send(renderQuota(ctx, quota));
  },
});
