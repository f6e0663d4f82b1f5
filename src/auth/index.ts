/**
 * Authentication, identities and virtual domains: who a connection is. Protocol-neutral: results
 * are Identity values, failures MailError kinds. Which mailbox names an identity sees (Namespace)
 * is src/names; an Identity is its NamingIdentity.
 *
 * Authenticating (one Authenticator per process; one ConnectionContext object per connection):
 *
 *   const auth = Authenticator.create({ config, logger });            // auth.close() at exit
 *   const ctx = { service: 'imap', tls: false, unixSocket: false, localAddress, remoteAddress };
 *   auth.plaintextAllowed(ctx)         // false → IMAP shows LOGINDISABLED
 *   auth.mechanisms(ctx)               // ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN', 'LOGIN', ...]
 *   await auth.login(user, pass, ctx)  // IMAP LOGIN, POP3 USER/PASS → Identity
 *   const ex = auth.startSasl('SCRAM-SHA-256', ctx);
 *   await ex.step(initialResponse ?? null)  // → { kind: 'challenge', data } | { kind: 'success', identity, data? }
 *   await ex.step(decodedClientLine)        // ... until success; ex.abort() on a client cancel ("*"),
 *                                           // ex.abandon() when the connection closed mid-exchange
 *   // The login penalty, the check queue and the failure counts are the authenticator's own
 *   // (login-gate.ts): an AuthFailed error carries detail.disconnect (close after answering NO);
 *   // set ctx.clientGone so that an attempt whose client left is counted and not checked.
 *
 * Errors (MailError kind → meaning):
 *   AuthFailed  wrong password, unknown user (never says which), malformed userid;
 *               detail.disconnect: the connection used up auth_max_failures
 *   NoPerm      authzid not allowed (proxy login by a non-admin); LOGIN without TLS when
 *               allowplaintext is off (detail.privacyRequired = true); the user is denied this
 *               service by cyr_deny (detail.userDenied = true, detail.denyMessage: the admin's
 *               message as one safe line, to show the client)
 *   Invalid     malformed SASL message (decoded content), unknown or unavailable mechanism
 *               (detail.unsupportedMechanism = true), step after the end or after abort()
 *   Limit       SASL message longer than SASL_MAX_MESSAGE
 *   Temp        saslauthd unreachable; detail.busy: too many attempts from the address at once
 * With success data (SCRAM's "v=..."), a protocol without success-data sends it as one more
 * challenge and expects an empty answer before its OK.
 *
 * Identity (also the acl module's RightsHolder, the names module's NamingIdentity): userid ('fred' | 'fred@example.com'), localPart,
 * domain (null = default domain), isAdmin (global, or of its domain when isDomainAdmin),
 * isDomainAdmin, isAnonymous, authenticatedAs (proxy login), groups(), identifiers().
 *
 * Not offered: CRAM-MD5 and DIGEST-MD5 (the store keeps no password-equivalent secrets for them).
 */
export * from './identity.js';
export { UseridRules, domainOfHostname, virtDomainsSetting, type VirtDomains } from './userids.js';
export { wildmatMatches, servicesDeny, denyMessageText, sweepDenied, DEFAULT_DENY_MESSAGE, DENY_SWEEP_MS, type DeniableSession, type DenyJudge } from './user-deny.js';
export { connectionContext, tlsStarted, type ConnectionContext } from './context.js';
export { Authenticator, type AuthenticatorOptions } from './authenticator.js';
export { SaslExchange, type MechanismName } from './sasl/exchange.js';
export { SASL_MAX_MESSAGE, type SaslStep } from './sasl/types.js';
export { PasswordStore, type PasswordStoreOptions, type ScramCredentials, type ScryptParams } from './password-store.js';
export { PasswordChecker, type PwcheckMethod } from './password-check.js';
export { FailureTracker, type FailureVerdict, type FailurePolicy, type AttemptPenalty } from './failures.js';
export { CheckQueue, type CheckQueueOptions } from './check-queue.js';
export { clientAddressKey } from './client-address.js';
export { GroupResolver, type GroupSources } from './groups.js';
export { systemReverseLookup, unmapAddress, type ReverseLookup } from './local-domain.js';
export { askSaslauthd, type SaslauthdRequest } from './saslauthd-client.js';
export { saslprep } from './saslprep.js';
export { scramKeys, type ScramHash } from './scram-keys.js';
