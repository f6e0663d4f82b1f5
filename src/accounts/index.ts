/**
 * The accounts layer: what happens to a user as a whole, the same for IMAP, POP3, LMTP and the
 * tools. Build one per process and share it:
 *
 *   const accounts = new Accounts({ store, config, logger, hooks? });
 *
 *   accounts.firstContact(user) → FirstContact
 *   accounts.firstLogin(user) → Promise<FirstContact>     (a login: on a Murder backend, the master asked first)
 *     A user's first contact (login, or LMTP delivery to a missing INBOX when the caller wants it):
 *     creates the INBOX (ACL: the user with every right; subscribed) and each of
 *     autocreate_inbox_folders below it (special use from `xlist-FLAG: folder`, subscribed when
 *     autocreate_subscribe_folders names it). Idempotent: nothing happens when the INBOX exists
 *     (a concurrent first contact that wins the race counts as existing). Never for anonymous nor
 *     for administrators (Cyrus skips autocreation for admins), nor when autocreate_quota < 0.
 *     A folder that cannot be made is logged and skipped; the INBOX failing throws its MailError.
 *
 *   accounts.wouldCreateInbox(user) → boolean
 *     Whether firstContact would create the INBOX now (a recipient lookup, smmapd, creates nothing).
 *
 *   accounts.renameUser(fromUserid, toUserid, { partition? }) → UserChangeReport
 *     Cyrus's user rename: every mailbox of the user (user.alice and below) moves to the new
 *     user's hierarchy; ACL entries naming the user ("alice", "-alice") are renamed in every
 *     mailbox of the server; seen state and subscriptions (names inside the hierarchy follow) move
 *     to the new userid; quota roots inside the hierarchy are renamed; the Sieve scripts
 *     (sievedir) move to the new user (store.sieveScripts.moveUser).
 *     NotFound when the user has no INBOX; Exists when the new user's INBOX (or a name below it)
 *     is taken; BadName for a malformed userid.
 *
 *   accounts.deleteUser(userid) → UserChangeReport
 *     Cyrus's user delete: every mailbox of the user (delete_mode applies), the ACL entries naming
 *     the user in every other mailbox, the user's seen state and subscriptions; quota root and
 *     Sieve scripts go too. NotFound when the user has no INBOX.
 *
 *   specialUseOf(config, mailboxName, uses) → "\\Sent \\Archive" | null
 *     The special-use check shared by CREATE (USE ...) and autocreation: canonical spelling, RFC
 *     6154 attributes plus specialuse_extra, only for a user's own folders (not an INBOX, not
 *     shared). Refusals are MailError('Invalid', text, { specialUse: true }).
 *
 *   missingAncestors(store, name) / inheritedAcl(store, config, name) / nearestExistingAncestor(store, name)
 *     Where a new mailbox sits (IMAP CREATE and RENAME, Sieve's fileinto :create): the missing names
 *     above it made with it (never "user" nor a user's INBOX), and its initial ACL (the nearest
 *     existing ancestor's, else the owner's, else defaultacl).
 *
 *   userInbox(userid) → internal INBOX name;  userOfInbox(name) → userid | null (null: not an INBOX)
 *
 * Authorisation is the caller's: the protocol decides who may rename or delete a user (IMAP:
 * an administrator renaming or deleting user.alice). Errors are MailErrors only.
 */
export { Accounts } from './accounts.js';
export { specialUseOf } from './special-use.js';
export { userInbox, userOfInbox } from './user-names.js';
export type * from './types.js';
export { inheritedAcl, missingAncestors, nearestExistingAncestor, type MailboxLookup } from './new-mailbox.js';
