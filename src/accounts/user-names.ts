/** A user's INBOX name and back, in internal names ("user.fred", "example.com!user.a^b"). */
import { MailError } from '../common/index.js';
import { inboxNameOf, isUserInbox, ownerOf } from '../names/index.js';

/** The internal name of `userid`'s INBOX; BadName for a userid that cannot name one. */
export function userInbox(userid: string): string {
  const at = userid.lastIndexOf('@');
  const local = at >= 0 ? userid.slice(0, at) : userid;
  if (local === '' || at === userid.length - 1 || /[!\x00-\x1f\x7f]/.test(userid)) throw new MailError('BadName', `not a userid: ${userid}`);
  return inboxNameOf(userid);
}

/** The userid whose INBOX `name` is, or null when `name` is not a user's INBOX. */
export function userOfInbox(name: string): string | null {
  return isUserInbox(name) ? ownerOf(name) : null;
}
