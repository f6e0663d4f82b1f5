/**
 * Mailbox names: the one grammar of internal names, the one mapping between what a client sees
 * and what mailboxes.db stores, and the one LIST-pattern matcher. Pure functions and one class;
 * no I/O. Errors are MailError('BadName').
 *
 * Internal names ("user.fred.Sent", "example.com!user.joe^smith", "shared.news"):
 *
 *   splitName(name) → { domain, local, components }   joinName(domain, components) → name
 *   parentName(name) → name | null                     isWithin(name, ancestor)
 *   domainOfName(name) → domain | null                 ownerOf(name) → 'fred' | 'fred@example.com' | null
 *   inboxName(localPart, domain) / inboxNameOf(userid) → 'example.com!user.a^b'
 *   isUserInbox(name)   isOwnedBy(name, userid)        localPartToInternal('a.b') → 'a^b'
 *   prefixSuccessor(prefix)     (the key just past every name starting with prefix, for range scans)
 *   checkMailboxName(name, maxLength)   the store's check: no "..", "/", controls, bad "domain!",
 *                                       the reserved top level "domain", longer than maxLength bytes
 *   checkNewComponent(component)        the policy on a component a client names (8-bit, wildcards,
 *                                       "!" '"' "\", modified UTF-7)
 *   checkNameLength(name, maxLength)    the one length limit: `maxmailboxnamelength` bytes (default 490)
 *   canonicalDomain(domain)   virtDomainsSetting(config) → 'off' | 'userid' | 'on'
 *
 * Client names (one Namespace per configuration; identities are NamingIdentity, auth's Identity fits):
 *
 *   const ns = Namespace.fromConfig(config);
 *   ns.separator                                  // '/' or '.'
 *   ns.toInternal('INBOX/Sent', identity)         // 'user.fred.Sent'; BadName when invalid, too long
 *                                                 //   or in another domain
 *   ns.toExternal('user.joe', identity)           // 'Other Users/joe', or null when not visible
 *   ns.inboxOf(identity)                          // 'example.com!user.fred' (null for anonymous)
 *   ns.namespaces(identity, { inboxExists })      // NAMESPACE data: personal/otherUsers/shared
 *   ns.listPatternToInternal(reference, pattern, identity)
 *                                                 // ListPlan: { internalPrefixes, sources,
 *                                                 //   match(internal) → external | null,
 *                                                 //   matchingAncestors(internal) → external[] }
 *
 * LIST patterns ("*" anything, "%" anything but the separator), matched in time linear in the name
 * (an automaton, never a backtracking RegExp):
 *
 *   const p = compileListPattern('user.%.Sent', '.');
 *   p.matches(name)   p.reaches(prefix)   p.literalPrefix   p.isLiteral   p.hasStar
 *   patternSteps(pattern, '.') → { base, components: ListPattern[] }   (the store's hierarchy walk)
 */
export {
  HIERARCHY_SEPARATOR,
  DOT_IN_COMPONENT,
  USER_TOP,
  splitName,
  joinName,
  domainOfName,
  parentName,
  isWithin,
  localPartToInternal,
  inboxName,
  inboxNameOf,
  isUserInbox,
  ownerOf,
  isOwnedBy,
  prefixSuccessor,
  type NameParts,
} from './grammar.js';
export { checkMailboxName, checkNewComponent, checkNameLength, DEFAULT_MAX_NAME_LENGTH, RESERVED_TOP_LEVEL } from './validity.js';
export { canonicalDomain, virtDomainsSetting, type VirtDomains } from './domains.js';
export { compileListPattern, patternSteps, type ListPattern, type PatternSteps, type MatchMeter } from './pattern.js';
export { Namespace, type NamespaceData, type NamespaceEntry, type NamespaceSettings, type NamingIdentity } from './namespace.js';
export type { ListPlan, ListSource } from './list-plan.js';
