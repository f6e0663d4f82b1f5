/**
 * The mail store API. Callers (imapd, pop3d, lmtpd, tools) use:
 *
 *   const store = MailStore.open({ config, logger?, partitionChooser?, notifier?, summarize? });
 *   store.createMailbox(name, { partition?, acl?, specialUse?, uniqueId?, quotaRoot?, sharedSeen? }) → MailboxEntry
 *   store.lookup(name) → MailboxEntry | null          store.list(pattern) → MailboxEntry[] (sorted)
 *   store.hasChildren(name)                           store.subtree(name) → MailboxEntry[]
 *   store.renameMailbox(from, to, { partition? })     store.deleteMailbox(name, { recursive? })
 *   store.setAcl(name, aclText) / setSpecialUse / setQuotaRoot
 *   store.subscriptions(userid) / subscribe(userid, name) / unsubscribe(userid, name)
 *   store.openMailbox(name) → Mailbox (see src/mailbox/index.ts); mailbox.close() when done
 *   store.onChange(listener) → unsubscribe           store.deleteExpired(minAgeMs, { dryRun? }) → names
 *   store.notifyChanged(name) (tools: after a change made below the API, e.g. reconstruct)
 *   store.clearStaleReservations({ checkOnly? })     (reserved rows of crashed creates; reconstruct -m)
 *   store.directoryOf(name, partition)               store.close()
 *
 * Names are internal names ("user.fred.Sent", "example.com!user.fred"); the store refuses unsafe
 * ones with MailError('BadName'). Errors are MailErrors only (src/common/errors.ts).
 */
export { MailStore, type MailStoreOptions, type CreateMailboxOptions, type ChangeNotifier } from './mail-store.js';
export { MailboxList, type MailboxEntry, type MailboxTypeFlag, type ListOptions } from './mailbox-list.js';
export { checkMailboxName, splitName, joinName, parentName, ownerOf, isWithin, HIERARCHY_SEPARATOR } from './names.js';
export { compilePattern } from './pattern.js';
export { mailboxDirectory, dirHashLetter, type SpoolLayout } from './paths.js';
export { formatDumpLine, parseDumpLine, dumpMailboxList, loadMailboxList } from './dump.js';
export { parseUidRanges, formatUidRanges, type UidRanges } from './seqset.js';
