/**
 * The mailbox names the tools accept: what an administrator sees in cyradm or any IMAP client
 * ("user/fred", "user.fred", "user/fred/Sent@example.com"), with either hierarchy separator, as
 * Cyrus's tools do; internal names ("user.fred", "example.com!user.fred") keep working.
 */
import type { ImapdConfig } from '../config/index.js';
import { isMailError } from '../common/errors.js';
import { Namespace, type NamingIdentity } from '../names/index.js';
import type { MailStore } from '../store/index.js';

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
