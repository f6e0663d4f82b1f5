/**
 * Where a mailbox lives on its partition, laid out as Cyrus does with legacy directories:
 * "user.fred.Sent" → ROOT/user/fred/Sent; with hashimapspool a hash letter directory first
 * (ROOT/f/user/fred/Sent); a domain-qualified name goes below ROOT/domain/[h/]example.com/.
 */
import { join } from 'node:path';
import { splitName } from '../names/index.js';

export interface SpoolLayout {
  hashSpool: boolean;
  fullDirHash: boolean;
}

/**
 * The hash letter of a name, as Cyrus computes it: without fulldirhash the lower-cased first
 * character (or "q" when it is not a-z); with fulldirhash a letter A-W from a shift-xor hash of
 * the name up to its first ".".
 */
export function dirHashLetter(name: string, fullDirHash: boolean): string {
  if (fullDirHash) {
    let n = 0;
    const bytes = Buffer.from(name, 'utf8');
    for (const byte of bytes) {
      if (byte === 0x2e) break;
      n = (((n << 3) >>> 0) ^ (n >>> 5) ^ byte) >>> 0;
    }
    return String.fromCharCode(0x41 + (n % 23));
  }
  const first = name.charAt(0).toLowerCase();
  return first >= 'a' && first <= 'z' ? first : 'q';
}

export function mailboxDirectory(partitionRoot: string, name: string, layout: SpoolLayout): string {
  const { domain, components } = splitName(name);
  let base = partitionRoot;
  if (domain !== null) {
    base = layout.hashSpool
      ? join(base, 'domain', dirHashLetter(domain, layout.fullDirHash), domain)
      : join(base, 'domain', domain);
  }
  if (layout.hashSpool) {
    const hashed = components[0] === 'user' && components.length > 1 ? components[1]! : components[0]!;
    base = join(base, dirHashLetter(hashed, layout.fullDirHash));
  }
  return join(base, ...components);
}
