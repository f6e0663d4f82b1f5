/**
 * The one way to check a right: a RightsChecker per process (built from imapd.conf), asked by every
 * command. It computes a holder's rights on a mailbox once per (identity, mailbox name, ACL text):
 * a SELECT that asks for `r` and then looks at `s`, `w` and `t` reads the ACL once, and a changed
 * ACL (SETACL, another process) is a different text, so it is never answered from a stale entry.
 *
 * The cache hangs off the identity object (one per session), so it goes away with the session and
 * two sessions of one user never share an answer computed for the other's groups.
 */
import { MailError } from '../common/errors.js';
import { calculateRights, DEFAULT_IMPLICIT_OWNER_RIGHTS, type RightsHolder, type RightsPolicy, type RightsTarget } from './calculate.js';
import { Rights } from './rights.js';

/** Mailboxes remembered per identity; the oldest is forgotten first (LIST over many mailboxes passes through). */
const REMEMBERED_PER_HOLDER = 256;

interface Remembered {
  readonly acl: string;
  readonly rights: Rights;
}

/** What the checker reads from imapd.conf (ImapdConfig fits). */
export interface RightsSettings {
  string(name: string): string | null;
}

export class RightsChecker {
  private readonly remembered = new WeakMap<RightsHolder, Map<string, Remembered>>();

  constructor(readonly policy: RightsPolicy) {}

  /** From `implicit_owner_rights` (Cyrus 3.6 default "lkxan"); an unknown letter there is MailError Invalid. */
  static fromConfig(config: RightsSettings): RightsChecker {
    const text = config.string('implicit_owner_rights') ?? DEFAULT_IMPLICIT_OWNER_RIGHTS;
    let implicitOwnerRights: Rights;
    try {
      implicitOwnerRights = Rights.parse(text);
    } catch (err) {
      throw new MailError('Invalid', `implicit_owner_rights: ${(err as Error).message}`);
    }
    return new RightsChecker({ implicitOwnerRights });
  }

  /** The rights `who` has on `mailbox`. */
  rightsOn(who: RightsHolder, mailbox: RightsTarget): Rights {
    let byName = this.remembered.get(who);
    if (byName === undefined) {
      byName = new Map();
      this.remembered.set(who, byName);
    }
    const acl = mailbox.acl ?? '';
    const known = byName.get(mailbox.name);
    if (known !== undefined && known.acl === acl) return known.rights;
    const rights = calculateRights(who, mailbox, this.policy);
    if (known !== undefined) byName.delete(mailbox.name);
    else if (byName.size >= REMEMBERED_PER_HOLDER) byName.delete(byName.keys().next().value!);
    byName.set(mailbox.name, { acl, rights });
    return rights;
  }

  /** Whether `who` has every right of `needed` on `mailbox`. */
  hasRights(who: RightsHolder, mailbox: RightsTarget, needed: Rights | string): boolean {
    return this.rightsOn(who, mailbox).has(needed);
  }

  /**
   * The rights `who` has on `mailbox`, when they include every right of `needed`; otherwise
   * MailError NoPerm, or NotFound for a holder with neither `l` nor `r`: it learns nothing about
   * the mailbox's existence (RFC 4314 section 6).
   */
  requireRights(who: RightsHolder, mailbox: RightsTarget, needed: Rights | string): Rights {
    const have = this.rightsOn(who, mailbox);
    if (have.has(needed)) return have;
    if (!have.hasAny('lr')) throw new MailError('NotFound', `no mailbox ${mailbox.name}`);
    throw new MailError('NoPerm', `missing rights ${have.missing(needed).format()} on ${mailbox.name}`);
  }
}
