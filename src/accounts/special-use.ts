/** The special-use check shared by CREATE (USE ...) and autocreation (RFC 6154 section 3). */
import { MailError } from '../common/index.js';
import { specialUseNames, type ImapdConfig } from '../config/index.js';
import { splitName } from '../names/index.js';

const refuse = (text: string) => new MailError('Invalid', text, { specialUse: true });

/**
 * The special-use attributes as stored ("\\Sent \\Archive"), in their canonical spelling and
 * without repeats; null for none. Known: RFC 6154's and specialuse_extra. Only a user's own folders
 * carry one, not an INBOX nor a shared mailbox (as Cyrus).
 */
export function specialUseOf(config: ImapdConfig, mailboxName: string, uses: readonly string[]): string | null {
  if (uses.length === 0) return null;
  const known = specialUseNames(config.list('specialuse_extra'));
  const out: string[] = [];
  for (const use of uses) {
    const canonical = use.startsWith('\\') ? known.get(use.slice(1).toLowerCase()) : undefined;
    if (!canonical) throw refuse(`Unsupported special-use attribute ${use}`);
    if (!out.includes(canonical)) out.push(canonical);
  }
  const { components } = splitName(mailboxName);
  if (components[0] !== 'user' || components.length < 3) throw refuse('Special use is only for personal folders');
  return out.join(' ');
}
