/**
 * The mailbox names the tools accept: what an administrator sees in cyradm or any IMAP client
 * ("user/fred", "user.fred", "user/fred/Sent@example.com"), with either hierarchy separator, as
 * Cyrus's tools do; internal names ("user.fred", "example.com!user.fred") keep working.
 */
import type { ImapdConfig } from '../config/index.js';
import { isMailError } from '../common/errors.js';
import { compileListPattern, Namespace, type NamingIdentity } from '../names/index.js';
import type { MailStore } from '../store/index.js';
import { internalPattern } from './ipurge.js';

/** A global administrator without a mailbox of its own: the tools' view of the names. */
const TOOL_ADMIN: NamingIdentity = { localPart: '', domain: null, isAdmin: true, isDomainAdmin: false, isAnonymous: false };

export interface ToolNames {
  /** The internal name `name` means: the first reading that names an existing mailbox, else the configured one. */
  resolve(name: string): string;
}

export function toolNames(config: ImapdConfig, store: MailStore): ToolNames {
  const configured = Namespace.fromConfig(config);
  // The same names with the other separator ("user.fred" where unixhierarchysep says "/", and back).
  const other = new Namespace({ ...configured.settings, unixHierarchySep: !configured.settings.unixHierarchySep });
  const readings = (name: string): string[] => {
    const out: string[] = [];
    for (const namespace of [configured, other]) {
      try {
        out.push(namespace.toInternal(name, TOOL_ADMIN));
      } catch (err) {
        if (!isMailError(err)) throw err;
      }
    }
    if (!name.includes('@')) out.push(name); // an internal name as is
    return out;
  };
  return {
    resolve(name) {
      const candidates = name.includes('!') ? [name] : readings(name);
      return candidates.find((candidate) => store.lookup(candidate) !== null) ?? candidates[0] ?? name;
    },
  };
}

/**
 * Internal names as Cyrus's tools print them: an administrator's standard namespace with the
 * configured separator ("user/fred/Sent", "shared/lists", "user/ann@example.com"), whatever
 * altnamespace says; the internal name itself when it has no such form.
 */
export function adminNames(config: ImapdConfig): (internal: string) => string {
  const configured = Namespace.fromConfig(config);
  const standard = new Namespace({ ...configured.settings, altNamespace: false });
  return (internal) => standard.toExternal(internal, TOOL_ADMIN) ?? internal;
}

/**
 * The local mailboxes (internal names) that `args` select, as Cyrus's tools take them: a name as
 * `resolve` (toolNames) reads it, or a pattern with * and % (internalPattern), matched whole against
 * every mailbox in mailboxes.db order; each once. `{ missing }` names the first argument that selects
 * nothing (remote and special mailboxes hold nothing here and are never selected).
 */
export function selectMailboxes(store: MailStore, resolve: (name: string) => string, args: readonly string[]): string[] | { missing: string } {
  const chosen: string[] = [];
  const seen = new Set<string>();
  const add = (name: string): void => {
    if (!seen.has(name)) chosen.push(name);
    seen.add(name);
  };
  let all: string[] | null = null;
  for (const arg of args) {
    if (/[*%]/.test(arg)) {
      all ??= store.mailboxes.all().filter((e) => e.type.length === 0 && e.server === null).map((e) => e.name);
      const pattern = compileListPattern(internalPattern(arg), '.');
      const matched = all.filter((name) => pattern.matches(name));
      if (matched.length === 0) return { missing: arg };
      matched.forEach(add);
    } else {
      const name = resolve(arg);
      const entry = store.lookup(name);
      if (entry === null || entry.type.length > 0 || entry.server !== null) return { missing: arg };
      add(name);
    }
  }
  return chosen;
}
