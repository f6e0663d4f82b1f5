/**
 * IMAP LIST patterns (RFC 3501 6.3.8: "*" matches anything, "%" anything but the separator)
 * turned into what the mailbox list can scan: internal-name prefixes, and a matcher that takes an
 * internal name and answers with the external name to show. Matching is done on external names,
 * so INBOX, the alternate namespace and virtual domains follow toExternal exactly.
 * "INBOX" at the start of a pattern matches case-insensitively.
 */
import { MailError } from '../common/errors.js';
import { canonicalDomain } from './identity.js';
import type { Namespace, NamingIdentity } from './namespace.js';

export interface ListPlan {
  /** Internal-name prefixes to scan ("" means everything); a name outside all of them never matches. */
  internalPrefixes: string[];
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
  match: () => null,
  matchingAncestors: () => [],
  matchesExternal: () => false,
};

/** A RegExp for an IMAP list pattern with separator `sep`. */
export function listPatternRegExp(pattern: string, sep: string): RegExp {
  const notSep = `[^${sep.replace(/[\\\]^-]/g, '\\$&')}]*`;
  let source = '';
  for (const ch of pattern) {
    if (ch === '*') source += '.*';
    else if (ch === '%') source += notSep;
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

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
  const regexp = listPatternRegExp(full, sep);
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
    domain,
    matchesExternal: (external) => regexp.test(external),
    match(internal) {
      const external = externalOf(internal);
      return external !== null && regexp.test(external) ? external + suffix : null;
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
        if (regexp.test(ancestor)) out.push(ancestor + suffix);
      }
      return out;
    },
  };
}
