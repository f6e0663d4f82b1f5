/**
 * IMAP LIST patterns (RFC 3501 6.3.8: "*" matches anything, "%" anything but the separator)
 * turned into what the mailbox list can scan: internal-name prefixes, and a matcher that takes an
 * internal name and answers with the external name to show. Matching is done on external names,
 * so INBOX, the alternate namespace and virtual domains follow toExternal exactly.
 * "INBOX" at the start of a pattern matches case-insensitively.
 */
import { MailError } from '../common/errors.js';
import { canonicalDomain } from './domains.js';
import type { Namespace, NamingIdentity } from './namespace.js';
import { compileListPattern, type ListPattern } from './pattern.js';

/**
 * One query of mailboxes.db a LIST needs: a pattern over internal names ("." separator), either
 * over every mailbox (the identity sees all of them, or they are its own) or only over those
 * whose ACL names one of the identity's identifiers (other users' and shared mailboxes).
 */
export interface ListSource {
  pattern: string;
  /** Only mailboxes of this domain (null: the default one) that the ACL lets the identity look up. */
  byAcl: { domain: string | null } | null;
}

export interface ListPlan {
  /** Internal-name prefixes to scan ("" means everything); a name outside all of them never matches. */
  internalPrefixes: string[];
  /**
   * The queries whose results, taken with the store's child hints, hold every visible mailbox
   * that matches, every visible one below a match, and one below each matching parent. The rest
   * of the server is never read (see MailboxList.list).
   */
  sources: ListSource[];
  /** The internal domain the pattern is confined to; undefined: all domains the identity may see. */
  domain?: string | null;
  /** The external name of `internal` when the identity sees it and it matches the pattern; else null. */
  match(internal: string): string | null;
  /**
   * External names of the ancestors of `internal` that match the pattern although they may not
   * exist themselves (LIST shows them as \Noselect / \NonExistent parents, e.g. for "%").
   */
  matchingAncestors(internal: string): string[];
  /** Whether an external name (without any @domain) matches the pattern. */
  matchesExternal(external: string): boolean;
}

const NOTHING: ListPlan = {
  internalPrefixes: [],
  sources: [],
  match: () => null,
  matchingAncestors: () => [],
  matchesExternal: () => false,
};

/** Uppercase a leading "inbox" in any case, when it stands as a whole component. */
function normaliseInbox(pattern: string, sep: string): string {
  if (pattern.length >= 5 && pattern.slice(0, 5).toUpperCase() === 'INBOX') {
    const next = pattern[5];
    if (next === undefined || next === sep || next === '*' || next === '%') return `INBOX${pattern.slice(5)}`;
  }
  return pattern;
}

export function planList(ns: Namespace, reference: string, pattern: string, identity: NamingIdentity): ListPlan {
  const sep = ns.separator;
  // The pattern is taken relative to the reference; "a/" + "/b" does not make an empty component.
  let full = reference.endsWith(sep) && pattern.startsWith(sep) ? reference + pattern.slice(1) : reference + pattern;
  const globalAdmin = identity.isAdmin && !identity.isDomainAdmin;
  let domain: string | null | undefined = globalAdmin ? undefined : identity.domain;
  let crossDomain = false;
  const at = ns.settings.virtDomains === 'off' ? -1 : full.lastIndexOf('@');
  if (at >= 0) {
    const domainText = full.slice(at + 1);
    if (/[*%]/.test(domainText)) return NOTHING;
    let named: string | null;
    try {
      named = canonicalDomain(domainText);
    } catch (err) {
      if (err instanceof MailError) return NOTHING;
      throw err;
    }
    if (named === ns.settings.defaultDomain) named = null;
    if (named !== identity.domain && !globalAdmin) return NOTHING;
    crossDomain = named !== identity.domain;
    domain = named;
    full = full.slice(0, at);
  }
  full = normaliseInbox(full, sep);
  const compiled = compileListPattern(full, sep);
  const suffix = crossDomain ? `@${domain}` : '';
  const root = domain === undefined || domain === null ? '' : `${domain}!`;

  const wildcard = full.search(/[*%]/);
  const literal = wildcard < 0 ? full : full.slice(0, wildcard);
  const complete = literal.slice(0, Math.max(0, literal.lastIndexOf(sep)));
  let prefixes = [root];
  if (complete !== '') {
    try {
      prefixes = [`${ns.toInternal(complete + suffix, identity)}.`];
    } catch (err) {
      if (!(err instanceof MailError)) throw err;
      const first = complete.split(sep)[0];
      const userTop = ns.isAlt(identity) ? ns.settings.userPrefix : 'user';
      if (first === userTop) prefixes = [`${root}user.`];
    }
  }

  /** The visible external name of `internal` in this plan's terms (without @domain when confined). */
  const externalOf = (internal: string): string | null => {
    // Without virtual domains no name can reach a domain: a leftover "domain!" entry is not shown.
    if (ns.settings.virtDomains === 'off' && internal.includes('!')) return null;
    if (domain !== undefined) {
      const bang = internal.indexOf('!');
      const d = bang >= 0 ? internal.slice(0, bang) : null;
      if (d !== domain) return null;
    }
    const external = ns.toExternal(internal, identity);
    if (external === null) return null;
    if (!crossDomain) return external;
    return external.endsWith(suffix) ? external.slice(0, -suffix.length) : null;
  };

  return {
    internalPrefixes: prefixes,
    sources: planSources(ns, identity, compiled, { prefix: prefixes[0]!, root, domain, crossDomain }),
    domain,
    matchesExternal: (external) => compiled.matches(external),
    match(internal) {
      const external = externalOf(internal);
      return external !== null && compiled.matches(external) ? external + suffix : null;
    },
    matchingAncestors(internal) {
      const external = externalOf(internal);
      if (external === null) return [];
      // Unconfined, a global admin sees another domain's names as "name@domain": the ancestors
      // are taken on the name and keep the "@domain".
      const at = domain === undefined && internal.includes('!') ? external.lastIndexOf('@') : -1;
      const name = at >= 0 ? external.slice(0, at) : external;
      const tail = at >= 0 ? external.slice(at) : '';
      const out: string[] = [];
      for (let i = name.indexOf(sep); i > 0; i = name.indexOf(sep, i + 1)) {
        const ancestor = name.slice(0, i) + tail;
        if (compiled.matches(ancestor)) out.push(ancestor + suffix);
      }
      return out;
    },
  };
}

/**
 * An external pattern in the standard namespace as a pattern over internal names: the separator
 * becomes ".", and with unixhierarchysep a "." becomes "^". Null when nothing internal can match
 * (a "^" with unixhierarchysep: no visible name holds one).
 */
function standardToInternal(ns: Namespace, pattern: string): string | null {
  if (!ns.settings.unixHierarchySep) return pattern;
  if (pattern.includes('^')) return null;
  return pattern.replaceAll('.', '^').replaceAll('/', '.');
}

interface SourceScope {
  /** The one internal prefix the pattern's literal components confine it to. */
  prefix: string;
  /** "domain!" or "" for the default domain or when unconfined. */
  root: string;
  domain: string | null | undefined;
  crossDomain: boolean;
}

/**
 * The mailboxes.db queries of a compiled LIST pattern (its text: reference joined, "@domain" cut off, INBOX
 * normalised):
 * - the identity's own INBOX and everything below it, unless the pattern is confined elsewhere
 *   (small, and all visible to its owner);
 * - an admin's other names: the pattern itself, translated to internal names; a global admin not
 *   confined to a domain, with virtual domains, sees "name@domain" names and scans instead;
 * - anyone else's other names: when the pattern can reach the other users' or the shared
 *   namespace, only the mailboxes whose ACL lets one of its identifiers look them up.
 */
function planSources(ns: Namespace, identity: NamingIdentity, compiled: ListPattern, scope: SourceScope): ListSource[] {
  const sep = ns.separator;
  const full = compiled.text;
  const sources: ListSource[] = [];
  const inbox = identity.isAnonymous || scope.crossDomain ? null : ns.inboxOf(identity);
  const { prefix } = scope;
  const insideOwn = inbox !== null && prefix.startsWith(`${inbox}.`);
  if (inbox !== null && inbox.startsWith(prefix)) sources.push({ pattern: inbox, byAcl: null }, { pattern: `${inbox}.*`, byAcl: null });
  else if (insideOwn) sources.push({ pattern: `${prefix}*`, byAcl: null });
  if (insideOwn) return sources;

  if (identity.isAdmin) {
    if (scope.domain === undefined && ns.settings.virtDomains !== 'off' && /[*%]/.test(full)) {
      sources.push({ pattern: '*', byAcl: null });
      return sources;
    }
    const internal = standardToInternal(ns, full);
    if (internal !== null) sources.push({ pattern: scope.root + internal, byAcl: null });
    return sources;
  }

  const alt = ns.isAlt(identity);
  const othersTop = `${alt ? ns.settings.userPrefix : 'user'}${sep}`;
  // A namespace is reached by a name in it or by its top as a parent ("%" lists "Other Users").
  const reaches = (top: string) => compiled.reaches(`${top}${sep}`) || compiled.matches(top);
  const reachesOthers = reaches(othersTop.slice(0, -1));
  // Standard namespace: every name that is neither INBOX[/...] nor user/... is a shared folder.
  const wildcard = full.search(/[*%]/);
  const literal = wildcard < 0 ? full : full.slice(0, wildcard);
  const reachesShared = alt
    ? reaches(ns.settings.sharedPrefix)
    : !(wildcard < 0 && full === 'INBOX') && !literal.startsWith(`INBOX${sep}`) && !literal.startsWith(othersTop);
  if (!reachesOthers && !reachesShared) return sources;
  const scopePrefix = !reachesShared && prefix === scope.root ? `${scope.root}user.` : prefix;
  sources.push({ pattern: `${scopePrefix}*`, byAcl: { domain: scope.domain ?? null } });
  return sources;
}
