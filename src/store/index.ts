/**
 * The mail store API. Callers (imapd, pop3d, lmtpd, tools) use:
 *
 *   const store = MailStore.open({ config, logger?, partitionChooser?, notifier?, summarize? });
 *   store.createMailbox(name, { partition?, acl?, specialUse?, uniqueId?, quotaRoot?, sharedSeen? }) → MailboxEntry
 *   store.lookup(name) → MailboxEntry | null          store.list(pattern) → MailboxEntry[] (sorted)
 *   store.hasChildren(name)                           store.subtree(name) → MailboxEntry[]
 *   store.renameMailbox(from, to, { partition? })     store.deleteMailbox(name, { recursive? })
 *   store.setAcl(name, aclText) / setSpecialUse / setQuotaRoot
 *   store.quotas (quotas.db, see quotas.ts): quotaOf(name), check(name, delta, mode), charge(...), roots()
 *   store.setQuota(root, limits | null) (SETQUOTA; null removes the root) / recountQuota(root, fix) (quota -f)
 *   store.moveQuotaRoots(from, to | null) (a user's rename / delete)
 *   store.subscriptions(userid) / subscribe(userid, name) / unsubscribe(userid, name)
 *   store.mailboxesWithAclFor(identifier) → MailboxEntry[] (ACL entries naming it, "fred" or "-fred")
 *   store.moveUserState(fromUserid, toUserid, renameMailbox) / forgetUserState(userid)  (seen, subscriptions, access keys)
 *   store.annotations (annotations.db): METADATA values per mailbox uniqueid ("" server), entry and owner; visible / apply / forget
 *   store.sieveScripts (sievedir): users' Sieve scripts; list / get / put / setActive / delete / rename / active / haveSpace / moveUser
 *   store.accessKeys (mboxkey.db): URLAUTH mailbox access keys, find / obtain / reset (userid, uniqueid)
 *   store.openMailbox(name) → Mailbox (see src/mailbox/index.ts); mailbox.close() when done
 *   store.onChange(listener) → unsubscribe           store.deleteExpired(minAgeMs, { dryRun? }) → names
 *   store.notifyChanged(name) (tools: after a change made below the API, e.g. reconstruct)
 *   store.clearStaleReservations({ checkOnly? })     (reserved rows of crashed creates; reconstruct -m)
 *   store.directoryOf(name, partition)               store.close()
 *   store.squatAnnotated(name)                        (squatter -a: the squat annotation, inherited)
 *   directoryFacts(path) → { mode, links, owner, group, size, modified } | null   (cyr_ls -l)
 *   store.putRemoteEntry({ name, server, partition, acl, reserved? }) / removeRemoteEntry(name) / remoteEntries()
 *   store.applyRemoteEntries([{ put } | { remove }]) → refused  (many mirror changes in one transaction)
 *                                                     (Murder mirror: mailboxes on other servers, type 'remote')
 *   store.murderBackend (servername, or null)         store.murderOutbox (Murder backend: list changes for the mupdate master)
 *   await store.mailboxListPushed(timeoutMs?)         (the master has every list change so far; true at once off a Murder)
 *   MailStore.installPublisher(factory)               (entry point: the Murder pusher behind every backend store)
 *   XFER (moving mailboxes between Murder backends): on the source store.xferBegin(plan) (record, freeze) /
 *     xferExport(name, id) / xferExportUser(userid) / xferSetPhase / xferRenew / xferOrphans / xferAdopt /
 *     xferAbort(id) (thaw) / xferFinish(id) (remove the copies, quietly); on the target store.xferStage(id) →
 *     XferStaging (addMailbox / write / setState / setUser / commit / discard), xferOutcome(id), xferSettlePending()
 *   MaildropStore.open(configdirectory/pop3.db, durable): POP3's last logins (popminpoll) and maildrop locks
 *   UserDenyList.fromConfig(config, { create }) (user_deny.db, cyr_deny): entry(userid) / entries() / deny(userid, services, message) / allow(userid)
 *   DuplicateStore.fromConfig(config) (deliver.db): isDelivered(messageId, mailbox) / recordDelivery / prune(minAgeMs) / entries()
 *   DbFile.open(file) (cyr_dbtool): any of our databases read-only as Cyrus's key/value records: kind, show(prefix, emit) / get(key) / problems()
 *   openDbWriter(kind, file, opts) → prepareSet / prepareDelete (user_deny.db, deliver.db, subscriptions.db only)   checkpointDbFile(file)
 *
 * Names are internal names ("user.fred.Sent", "example.com!user.fred"); the store refuses unsafe
 * ones with MailError('BadName'); the name grammar and the LIST-pattern matcher are src/names.
 * Errors are MailErrors only (src/common/errors.ts).
 */
export {
  MailStore, type MailStoreOptions, type CreateMailboxOptions, type ChangeNotifier, type MailboxListPublisher, type MailboxListPublisherFactory, type RemoteEntryRecord,
} from './mail-store.js';
export { MurderOutbox, type OutboxRow } from './murder-outbox.js';
export type { XferMove, XferPhase } from './xfer-ledger.js';
export type { XferBeginPlan, XferMailboxExport } from './xfer-source.js';
export type { XferStaging } from './xfer-target.js';
export { parseMailboxState, parseUserState, xferFileNameProblem, type XferFile, type XferMailboxState, type XferUserState } from './xfer-types.js';
export { MailboxList, type MailboxEntry, type MailboxTypeFlag, type ListOptions } from './mailbox-list.js';
export { MaildropStore, type LoginDelayRule } from './maildrops.js';
export { AccessKeyStore } from './access-keys.js';
export {
  SieveScriptStore, scriptNameProblem, ACTIVE_LINK, MAX_SCRIPT_NAME_BYTES, type SieveScriptInfo, type ActiveSieveScript, type SieveSpace, type SieveScriptStoreOptions,
} from './sieve-scripts.js';
export { AnnotationStore, SERVER_ANNOTATIONS, VENDOR_ENTRY, type AnnotationValue, type AnnotationChange, type AnnotationLimits } from './annotations.js';
export { mailboxDirectory, dirHashLetter, type SpoolLayout } from './paths.js';
export { directoryFacts, type DirectoryFacts } from './dir-facts.js';
export { dumpMailboxList, loadMailboxList } from './dump.js';
export { rebuildMailboxList, type RebuildReport, type RebuildOptions } from './rebuild-list.js';
export { DuplicateStore, duplicateDbPath, type DuplicateEntry } from './duplicates.js';
export { UserDenyList, userDenyDbPath, type UserDenyEntry } from './user-deny.js';
export { DbFile, DB_KINDS, kindByFileName, escapeText, unescapeText, type DbKind } from './db-file.js';
export { openDbWriter, checkpointDbFile, type DbWriter, type DbWriterOptions } from './db-writer.js';
export {
  QuotaStore, QUOTA_RESOURCES, exceededResource, sameUsage, type QuotaResource, type QuotaMode, type QuotaDelta, type QuotaUsage,
  type QuotaLimits, type QuotaRoot, type QuotaRecount,
} from './quotas.js';
