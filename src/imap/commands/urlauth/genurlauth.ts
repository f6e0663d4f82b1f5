/**
 * GENURLAUTH (RFC 4467 section 7): sign rump URLs with the user's access key for their mailbox
 * (made on first use). Each URL must name this server and the logged-in user, an existing mailbox
 * the user may read, an existing message (and part), an access identifier, no token yet and no
 * past EXPIRE; the mechanism must be INTERNAL. Any failure answers BAD for the whole command, as
 * the RFC asks (Dovecot does the same; Cyrus answers NO).
 */
import { imapString } from '../../wire/serialize/strings.js';
import { untagged } from '../../wire/serialize/response.js';
import { parseImapUrl, UrlError } from '../../wire/parse/url.js';
import { AUTHENTICATED } from '../../session/state.js';
import { CommandFailure, defineCommand } from '../types.js';
import { INTERNAL, internalToken, requireOwnServer, urlMailbox } from './authorize.js';
import { withUrlMessage } from './locate.js';

export const genUrlAuthCommand = defineCommand({
  name: 'GENURLAUTH',
  states: AUTHENTICATED,
  async handle(ctx, command) {
    const identity = ctx.identity();
    const signed: string[] = [];
    for (const request of command.requests) {
      const bad = (why: string): CommandFailure => new CommandFailure('BAD', null, `Invalid URL ${request.url}: ${why}`);
      if (request.mechanism !== INTERNAL) throw new CommandFailure('BAD', null, `Unsupported URLAUTH mechanism ${request.mechanism}`);
      try {
        const url = parseImapUrl(request.url);
        const userid = requireOwnServer(ctx.deps, url);
        if (userid !== identity.userid) throw new UrlError(`Not permitted to generate URLAUTH for user ${userid}`);
        if (url.urlauth === null) throw new UrlError('Must be a URLAUTH rump URL (;URLAUTH=access)');
        if (url.urlauth.token !== null) throw new UrlError('Already authorized');
        if (url.urlauth.expire !== null && url.urlauth.expire.getTime() <= Date.now()) throw new UrlError('URLAUTH has already expired');
        const entry = urlMailbox(ctx.deps, url, identity);
        if (!ctx.deps.rights.hasRights(identity, entry, 'r')) throw new UrlError('Mailbox does not exist');
        await withUrlMessage(ctx.deps.store, entry.name, url, async () => undefined);
        const key = ctx.deps.store.accessKeys.obtain(identity.userid, entry.uniqueId);
        signed.push(`${url.urlauth.rump}:${INTERNAL.toLowerCase()}:${internalToken(key, url.urlauth.rump)}`);
      } catch (err) {
        if (err instanceof UrlError) throw bad(err.message);
        throw err;
      }
    }
    ctx.out.send(untagged(`GENURLAUTH ${signed.map(imapString).join(' ')}`));
    return { status: 'OK', text: 'GENURLAUTH completed' };
  },
});
