/** USER and PASS (RFC 1939 section 7): a plaintext login, only under TLS unless allowplaintext. */
import { Pop3Error } from '../error-map.js';
import { AUTHORIZATION } from '../session/state.js';
import { requiredText } from './arguments.js';
import { refuseLogin, splitSubfolder } from './login-common.js';
import { defineCommand } from './types.js';

/** Longest login name taken (Cyrus's mailbox-name buffer bounds it the same way). */
const MAX_LOGIN = 255;

export const userCommand = defineCommand({
  name: 'USER',
  states: AUTHORIZATION,
  parse: requiredText,
  handle(ctx, name) {
    if (!ctx.deps.auth.plaintextAllowed(ctx.connection)) throw new Pop3Error('AUTH', 'USER command only available under a layer');
    if (ctx.state.kind === 'authorization' && ctx.state.pendingUser) throw new Pop3Error('AUTH', 'Must give PASS command');
    if (name.length > MAX_LOGIN || /[\x00-\x20\x7f]/.test(name)) throw new Pop3Error('AUTH', 'Invalid user');
    ctx.setPendingUser(splitSubfolder(name, ctx.deps.settings.subfolders));
    ctx.out.line('+OK Name is a valid mailbox');
  },
});

export const passCommand = defineCommand({
  name: 'PASS',
  states: AUTHORIZATION,
  parse: requiredText,
  async handle(ctx, password) {
    const pending = ctx.state.kind === 'authorization' ? ctx.state.pendingUser : null;
    if (!pending) throw new Pop3Error('AUTH', 'Must give USER command');
    ctx.setPendingUser(null);
    let identity;
    try {
      identity = await ctx.deps.auth.login(pending.login, password, ctx.connection);
    } catch (err) {
      return refuseLogin(ctx, err);
    }
    await ctx.loggedIn(identity, pending.subfolder);
  },
});
