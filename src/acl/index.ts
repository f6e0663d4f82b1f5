/**
 * Rights: what an identity may do to a mailbox. Protocol-neutral; imports no protocol.
 *
 *   const rights = RightsChecker.fromConfig(config);        // one per process (implicit_owner_rights)
 *   rights.rightsOn(identity, entry)                        // → Rights, once per (identity, name, ACL text)
 *   rights.hasRights(identity, entry, 'r')                  // → boolean
 *   rights.requireRights(identity, entry, 'rte')            // → Rights; MailError NotFound (no l nor r)
 *                                                           //   or NoPerm otherwise
 *   mayAdminister(identity, name)                           // the admin powers that are not rights
 *
 * A Rights value is an immutable bit set over `lrswipkxtean` (c and d are macros):
 *   Rights.parse('lrsd').format() → 'lrsted';  .has('s')  .hasAny('stw')  .union(x)  .minus(x)  .missing(x)
 *   rightForFlag('\\Seen') → the right STORE and APPEND need for a flag (s, t or w)
 *
 * Changing an ACL (pure; the store keeps the text with MailStore.setAcl):
 *   aclWithChange(acl, id, { mode: 'add', rights }) / aclWithout(acl, id) → ACL text
 *   aclFromPairs('anyone lrs') → ACL text (defaultacl)
 *   initialAcl(ancestorAcl | null, owner | null, defaultacl) → the ACL of a new mailbox
 *   canonicalIdentifier(id, mailboxDomain, { virtDomains, defaultDomain }) → id as stored
 *                                                           //   (another domain's user: MailError Cannot)
 */
export { Rights } from './rights.js';
export {
  ADMIN_IMPLICIT_RIGHTS,
  ANONYMOUS_INBOX_RIGHTS,
  DEFAULT_IMPLICIT_OWNER_RIGHTS,
  DEFAULT_RIGHTS_POLICY,
  OWNER_MINIMUM_RIGHTS,
  calculateRights,
  mayAdminister,
  ownsMailbox,
  parseAcl,
  rightForFlag,
  type RightsHolder,
  type RightsPolicy,
  type RightsTarget,
} from './calculate.js';
export { RightsChecker, type RightsSettings } from './checker.js';
export { aclFromPairs, aclWithChange, initialAcl, aclWithout, canonicalIdentifier, entryRights, formatAcl, type IdentifierDomains, type RightsChange } from './edit.js';
