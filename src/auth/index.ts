/**
 * Authentication, identities, virtual domains and namespaces: who a connection is and which
 * mailbox names it sees. Protocol-neutral: results are Identity values and MailError kinds.
 *
 *   const ns = Namespace.fromConfig(config);
 *   ns.toInternal('INBOX/Sent', identity)        // 'user.fred.Sent' (throws MailError BadName)
 *   ns.toExternal('user.joe', identity)          // 'Other Users/joe' or null when not visible
 *   ns.inboxOf(identity)                         // 'example.com!user.fred'
 *   ns.namespaces(identity, { inboxExists })     // NAMESPACE data
 *   ns.listPatternToInternal(ref, pattern, id)   // { internalPrefixes, match(internal), matchingAncestors }
 */
export * from './identity.js';
export { UseridRules, domainOfHostname, type VirtDomains } from './userids.js';
export * from './mailbox-names.js';
export { Namespace, type NamespaceData, type NamespaceEntry, type NamespaceSettings, type NamingIdentity } from './namespace.js';
export { listPatternRegExp, type ListPlan } from './list-pattern.js';
export type { ConnectionContext } from './context.js';
export { Authenticator, type AuthenticatorOptions } from './authenticator.js';
export { SaslExchange, type MechanismName } from './sasl/exchange.js';
export { SASL_MAX_MESSAGE, type SaslStep } from './sasl/types.js';
export { PasswordStore, type PasswordStoreOptions, type ScramCredentials, type ScryptParams } from './password-store.js';
export { FailureTracker, type FailureVerdict } from './failures.js';
export { GroupResolver, type GroupSources } from './groups.js';
export { askSaslauthd } from './saslauthd-client.js';
export { saslprep } from './saslprep.js';
export { scramKeys, type ScramHash } from './scram-keys.js';
